"""The signed-in answer's user payload is allauth's, whatever the customer's addresses are.

accounts.headless_adapter reads the primary address with one plain SELECT
(accounts.selectors.primary_email); these tests hold it to allauth's own payload.
"""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.headless.adapter import DefaultHeadlessAdapter
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.headless_adapter import HeadlessAdapter
from conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def _primary_elsewhere(user: Any) -> None:
    EmailAddress.objects.filter(user=user).update(primary=False)
    EmailAddress.objects.create(user=user, email="new-home@example.jp", verified=True, primary=True)


def _no_primary(user: Any) -> None:
    EmailAddress.objects.filter(user=user).update(primary=False)


def _no_rows(user: Any) -> None:
    EmailAddress.objects.filter(user=user).delete()


def _no_address_at_all(user: Any) -> None:
    EmailAddress.objects.filter(user=user).delete()
    user.email = ""
    user.save(update_fields=["email"])


def _unusable_password(user: Any) -> None:
    user.set_unusable_password()
    user.save()


@pytest.mark.parametrize(
    "change",
    [None, _primary_elsewhere, _no_primary, _no_rows, _no_address_at_all, _unusable_password],
    ids=["primary", "primary-elsewhere", "no-primary", "no-rows", "no-address", "unusable-password"],
)
def test_the_payload_is_allauths(change, user_factory):
    user = user_factory(email="hanako@example.jp")
    if change:
        change(user)

    ours = HeadlessAdapter().serialize_user(user)

    assert ours == DefaultHeadlessAdapter().serialize_user(user)
    assert ours["id"] == user.pk


def test_the_primary_address_is_one_plain_select(user_factory):
    user = user_factory(email="hanako@example.jp")

    with CaptureQueriesContext(connection) as queries:
        payload = HeadlessAdapter().serialize_user(user)

    assert payload["email"] == "hanako@example.jp"
    [select] = [q["sql"] for q in queries.captured_queries]
    assert select.startswith('SELECT "email" FROM "account_emailaddress"'), select


def test_the_app_sign_in_answer_shows_the_current_primary_address(api_client, user_factory):
    from mfa.tests.helpers import code_now, enable_totp

    user = user_factory(email="hanako@example.jp")
    enable_totp(user)
    _primary_elsewhere(user)

    assert api_client.login_app("hanako@example.jp", TEST_PASSWORD).status_code == 401
    response = api_client.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": code_now()})

    assert response.status_code == 200, response.content
    payload = response.json()["data"]["user"]
    assert payload["email"] == "new-home@example.jp"
    assert payload["id"] == user.pk and payload["has_usable_password"] is True
