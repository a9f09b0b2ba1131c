"""A frozen account's pages say how to lift the freeze; the freeze button sits on the
security page and the activity page."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.services import account_freeze

pytestmark = pytest.mark.django_db

PAGES = ["/", "/security/", "/account/activity/", "/wallet/withdrawals/"]


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def test_frozen_accounts_pages_show_how_to_lift_the_freeze(user_factory):
    customer = user_factory(language="en")
    client = _client(customer)
    for path in PAGES:
        assert 'id="frozen-banner"' not in client.get(path).content.decode(), path
    account_freeze(user=customer, reason="lost phone")
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert 'id="frozen-banner"' in html, path
        assert 'href="/recovery/identity/"' in html and "identity verification" in html, path
    # the link opens the freeze-lift case form
    form = client.get("/recovery/identity/").content.decode()
    assert 'value="freeze_lift"' in form


def test_banner_is_in_japanese_by_default(user_factory):
    customer = user_factory()
    account_freeze(user=customer, reason="lost phone")
    client = Client()
    client.force_login(customer)
    assert "本人確認" in client.get("/security/").content.decode()


@pytest.mark.parametrize("path", ["/security/", "/account/activity/"])
def test_the_freeze_button_on_security_and_activity_freezes_at_once(user_factory, path):
    customer = user_factory(language="en")
    client = _client(customer)
    html = client.get(path).content.decode()
    assert 'id="freeze-button"' in html and 'action="/recovery/freeze/"' in html
    response = client.post("/recovery/freeze/")
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.frozen_at is not None
    html = client.get(path).content.decode()
    assert 'id="freeze-button"' not in html and 'id="frozen-banner"' in html
