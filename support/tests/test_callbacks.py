"""The contact page's phone card: the number as a tel: link, and "call me back" during phone
hours (a ticket in the topic's queue, audited, limited); closed on Japanese public holidays
and out of hours, saying when the line opens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from accounts import roles
from core.audit import AuditEvent
from support.internal.calendar import JST
from support.models import CallbackRequest, Inquiry

pytestmark = pytest.mark.django_db

OPEN = dt.datetime(2026, 11, 24, 10, 5, tzinfo=JST)  # Tuesday, phone line open 9:00-17:00
HOLIDAY = dt.datetime(2026, 11, 23, 11, 0, tzinfo=JST)  # 勤労感謝の日 (Monday)
EVENING = dt.datetime(2026, 11, 24, 18, 0, tzinfo=JST)


@pytest.fixture
def customer(user_factory: Any) -> Any:
    return user_factory(email="hanako@example.jp", phone="+819012345678", language="ja")


def signed_in(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(user)
    return client


def test_the_phone_number_is_a_tel_link_for_everyone(client: Client, time_machine: Any, settings: Any):
    time_machine.move_to(EVENING, tick=False)
    settings.MADOGUCHI_SUPPORT_PHONE_NUMBER = "0120-555-010"
    page = client.get("/contact/").content.decode()
    assert 'href="tel:0120555010"' in page and "0120-555-010" in page


def test_during_phone_hours_a_customer_asks_for_a_callback_and_agents_see_the_ticket(
    customer: Any, time_machine: Any, staff_factory: Any, outbox: Any
):
    time_machine.move_to(OPEN, tick=False)
    client = signed_in(customer)
    page = client.get("/contact/").content.decode()
    # the form offers the customer's own number and times left today, at least 30 minutes ahead
    assert 'id="callback-form"' in page and 'value="090-1234-5678"' in page
    assert ">11:00<" in page and ">16:30<" in page and ">17:00<" not in page and ">10:30<" not in page
    slot = dt.datetime(2026, 11, 24, 14, 0, tzinfo=JST).isoformat()
    response = client.post("/contact/callback/", {"phone": "090-1234-5678", "preferred": slot, "topic": "funds"})
    assert response.status_code == 302
    callback = CallbackRequest.objects.get(customer=customer)
    assert callback.phone == "+819012345678" and callback.preferred_at == dt.datetime.fromisoformat(slot)
    inquiry = callback.inquiry
    assert inquiry.queue.slug == "funds" and inquiry.customer == customer and inquiry.priority <= 2
    assert "14:00" in inquiry.subject and "+819012345678" in inquiry.description
    assert AuditEvent.objects.filter(user=customer, event="support.callback_requested").count() == 1
    # the agent of that queue finds it in the console
    agent = staff_factory(roles=[roles.SUPPORT_AGENT], email="agent@example.jp")
    queue = signed_in(agent).get("/staff/support/?queue=funds").content.decode()
    assert inquiry.reference in queue
    detail = signed_in(agent).get(f"/staff/support/inquiries/{inquiry.pk}/").content.decode()
    assert "+819012345678" in detail
    # the customer sees it on the contact page and in their inquiries
    assert inquiry.reference in client.get("/contact/").content.decode()
    assert inquiry.reference in client.get("/support/").content.decode()


def test_on_a_public_holiday_no_callback_is_offered_and_the_page_says_when_it_opens(customer: Any, time_machine: Any):
    time_machine.move_to(HOLIDAY, tick=False)
    client = signed_in(customer)
    page = client.get("/contact/").content.decode()
    assert 'id="callback-form"' not in page
    closed = page[page.index('id="callback-closed"') :]
    assert "2026-11-24 (火) 09:00" in closed[:400]
    # and a request sent anyway is refused, nothing stored
    response = client.post("/contact/callback/", {"phone": "09012345678", "preferred": "asap", "topic": "sign_in"})
    assert response.status_code == 409 and not CallbackRequest.objects.exists()
    assert "2026-11-24 09:00" in response.content.decode()


def test_out_of_hours_is_refused_too(customer: Any, time_machine: Any):
    time_machine.move_to(EVENING, tick=False)
    response = signed_in(customer).post(
        "/contact/callback/", {"phone": "09012345678", "preferred": "asap", "topic": "sign_in"}
    )
    assert response.status_code == 409 and not Inquiry.objects.exists()


def test_bad_number_time_or_topic_are_refused_with_messages(customer: Any, time_machine: Any):
    time_machine.move_to(OPEN, tick=False)
    client = signed_in(customer)
    past = dt.datetime(2026, 11, 24, 9, 30, tzinfo=JST).isoformat()
    response = client.post("/contact/callback/", {"phone": "12", "preferred": past, "topic": "nope"})
    body = response.content.decode()
    assert response.status_code == 400 and not CallbackRequest.objects.exists()
    assert "090-1234-5678" in body and "一覧から" in body and "選んでください" in body


def test_callbacks_are_rate_limited_per_customer(customer: Any, time_machine: Any, settings: Any):
    time_machine.move_to(OPEN, tick=False)
    settings.MADOGUCHI_SUPPORT_CALLBACK_RATE_LIMIT = (2, 86400)
    client = signed_in(customer)
    data = {"phone": "09012345678", "preferred": "asap", "topic": "sign_in"}
    assert client.post("/contact/callback/", data).status_code == 302
    assert client.post("/contact/callback/", data).status_code == 302
    assert client.post("/contact/callback/", data).status_code == 429
    assert CallbackRequest.objects.count() == 2


def test_guests_see_the_number_and_a_sign_in_link_but_cannot_post(client: Client, time_machine: Any):
    time_machine.move_to(OPEN, tick=False)
    page = client.get("/contact/").content.decode()
    assert 'id="callback-sign-in"' in page and 'id="callback-form"' not in page
    response = client.post("/contact/callback/", {"phone": "09012345678", "preferred": "asap", "topic": "sign_in"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not CallbackRequest.objects.exists()
