"""The contact page writes its times as the voice says (docs/glossary.md): Japan time with the
zone written out, in the customer's language (issue 14 polish)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
TUESDAY_EVENING = dt.datetime(2026, 11, 24, 18, 0, tzinfo=JST)  # phone and chat closed


def test_the_next_opening_carries_the_date_and_the_zone(client: Client, time_machine: Any):
    time_machine.move_to(TUESDAY_EVENING, tick=False)
    html = client.get("/contact/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    openings = re.findall(r'<time datetime="[^"]+">([^<]+)</time>', html)
    assert openings and "2026年11月25日 09:00 JST (水)" in openings
    assert all(" JST" in text for text in openings)


def test_in_english_too(client: Client, time_machine: Any):
    time_machine.move_to(TUESDAY_EVENING, tick=False)
    client.cookies["django_language"] = "en"
    html = client.get("/contact/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    openings = re.findall(r'<time datetime="[^"]+">([^<]+)</time>', html)
    assert "25 Nov 2026, 09:00 JST (Wed)" in openings
