"""HTML without JavaScript: the withdrawal preview step, the max button, cancelling a
pending withdrawal and confirming an address removal."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from wallet import services
from wallet.models import Rate, Withdrawal, WithdrawalAddress

from .helpers import BTC_ADDRESS, balance_of, fund, usable_address

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


@pytest.fixture
def funded(client, customer):
    fund(customer, "BTC", "1")
    Rate.objects.create(currency="BTC", jpy=Decimal("10000000"))
    client.force_login(customer)
    return usable_address(customer)


def _amount_value(html: str) -> str:
    match = re.search(r'<input[^>]*name="amount"[^>]*value="([^"]*)"', html)
    assert match, "no amount field"
    return match.group(1)


def test_the_form_offers_a_max_button_that_works_without_javascript(client, funded):
    page = client.get("/wallet/withdraw/", headers=EN).content.decode()
    assert 'name="action" value="max"' in page
    response = client.post(
        "/wallet/withdraw/", {"currency": "BTC", "address_id": funded.pk, "amount": "", "action": "max"}, headers=EN
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert _amount_value(html) == "0.99950000"
    assert 'data-testid="withdrawal-preview"' in html
    assert not Withdrawal.objects.exists()


def test_continue_shows_the_preview_and_asks_for_the_code_then_confirm_withdraws(client, customer, funded, totp_code):
    form = {"currency": "BTC", "address_id": funded.pk, "amount": "0.1"}
    # step 2: the preview, with the second factor asked for here
    preview = client.post("/wallet/withdraw/", {**form, "action": "preview"}, headers=EN).content.decode()
    assert 'data-testid="confirm-step"' in preview
    assert 'data-testid="code-prompt"' in preview
    received = re.search(r'data-testid="preview-received">(.*?)</dd>', preview, re.S).group(1)
    assert "0.1 BTC" in received and "¥1,000,000" in received
    assert "0.0005 BTC" in re.search(r'data-testid="preview-fee">(.*?)</dd>', preview, re.S).group(1)
    assert "0.1005 BTC" in re.search(r'data-testid="preview-total">(.*?)</dd>', preview, re.S).group(1)
    daily = re.search(r'data-testid="preview-daily">(.*?)</dd>', preview, re.S).group(1)
    assert "10 BTC" in daily and "9.9 BTC" in daily
    assert "9.9 BTC" in daily
    assert 'data-testid="preview-monthly"' in preview
    assert not Withdrawal.objects.exists()
    # step 3 without a code: still the confirm step, nothing withdrawn
    again = client.post("/wallet/withdraw/", {**form, "action": "confirm"}, headers=EN).content.decode()
    assert 'data-testid="code-prompt"' in again and 'data-testid="confirm-step"' in again
    assert not Withdrawal.objects.exists()
    # with the code: done
    done = client.post("/wallet/withdraw/", {**form, "action": "confirm", "code": totp_code()}, headers=EN)
    assert done.status_code == 302 and done["Location"] == "/wallet/withdrawals/"
    assert Withdrawal.objects.get(user=customer).amount == Decimal("0.1")


def test_change_goes_back_to_the_form_with_the_values(client, funded):
    form = {"currency": "BTC", "address_id": funded.pk, "amount": "0.25", "action": "edit"}
    html = client.post("/wallet/withdraw/", form, headers=EN).content.decode()
    assert 'data-testid="confirm-step"' not in html
    assert _amount_value(html) == "0.25"


def test_a_preview_that_would_be_refused_stays_on_the_form_and_says_why(client, funded, settings):
    settings.MADOGUCHI_WITHDRAWAL_DAILY_LIMIT = {"BTC": "0.2"}
    form = {"currency": "BTC", "address_id": funded.pk, "amount": "0.3", "action": "preview"}
    html = client.post("/wallet/withdraw/", form, headers=EN).content.decode()
    assert 'data-testid="confirm-step"' not in html
    assert 'data-code="daily_limit_exceeded"' in html
    assert "today&#x27;s remaining withdrawal limit: 0.2 BTC" in html


@pytest.mark.parametrize("amount", ["abc", "1e30", "-1", "0.000000001"])
def test_bad_amounts_get_a_clear_error_not_a_500(client, funded, amount):
    form = {"currency": "BTC", "address_id": funded.pk, "amount": amount, "action": "preview"}
    response = client.post("/wallet/withdraw/", form, headers=EN)
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()


def test_the_live_preview_fragment_is_the_same_panel(client, funded):
    html = client.get("/wallet/withdraw/preview/?currency=BTC&amount=0.1", headers=EN).content.decode()
    assert 'data-testid="withdrawal-preview"' in html and 'data-max="0.9995"' in html
    assert "¥1,000,000" in html
    bad = client.get("/wallet/withdraw/preview/?currency=BTC&amount=abc", headers=EN)
    assert bad.status_code == 200
    assert 'data-testid="preview-error"' in bad.content.decode()
    assert "greater than zero" in bad.content.decode()


def test_the_fragment_needs_sign_in(client):
    assert client.get("/wallet/withdraw/preview/?currency=BTC").status_code == 302


# --------------------------------------------------------------------------- cancel


def _pending(customer, address, totp_code):
    return services.withdrawal_request(
        user=customer, currency="BTC", amount="0.1", address_id=address.pk, code=totp_code()
    )


def test_history_offers_cancel_for_pending_only_and_labels_cells_for_phones(client, customer, funded, totp_code):
    pending = _pending(customer, funded, totp_code)
    sent = _pending(customer, funded, totp_code)
    services.withdrawal_status_set(withdrawal_id=sent.pk, status="sent", txid="ab" * 32)
    html = client.get("/wallet/withdrawals/", headers=EN).content.decode()
    assert f'data-testid="cancel-{pending.pk}"' in html
    assert f'data-testid="cancel-{sent.pk}"' not in html
    assert 'data-label="Amount"' in html and 'data-label="Status"' in html


def test_cancel_asks_first_then_cancels(client, customer, funded, totp_code, outbox):
    withdrawal = _pending(customer, funded, totp_code)
    url = f"/wallet/withdrawals/{withdrawal.pk}/cancel/"
    confirm = client.get(url, headers=EN).content.decode()
    assert 'data-testid="cancel-confirm"' in confirm and "0.1005 BTC" in confirm
    # a POST without the confirmation changes nothing (shows the question again)
    client.post(url, {}, headers=EN)
    assert Withdrawal.objects.get(pk=withdrawal.pk).status == "pending"
    done = client.post(url, {"confirm": "1"}, headers=EN, follow=True)
    assert "cancelled" in done.content.decode()
    assert Withdrawal.objects.get(pk=withdrawal.pk).status == "cancelled"
    assert balance_of(customer, "BTC") == (Decimal("1"), Decimal("0"))
    assert "Cancelled by you" in client.get("/wallet/withdrawals/", headers=EN).content.decode()


def test_cancel_after_it_was_sent_says_so(client, customer, funded, totp_code):
    withdrawal = _pending(customer, funded, totp_code)
    services.withdrawal_status_set(withdrawal_id=withdrawal.pk, status="sent", txid="ab" * 32)
    done = client.post(f"/wallet/withdrawals/{withdrawal.pk}/cancel/", {"confirm": "1"}, headers=EN, follow=True)
    assert "already been sent" in done.content.decode()
    assert Withdrawal.objects.get(pk=withdrawal.pk).status == "sent"


def test_cancel_of_someone_elses_withdrawal_is_a_404(client, customer, funded, totp_code, user_factory):
    withdrawal = _pending(customer, funded, totp_code)
    client.force_login(user_factory())
    assert client.get(f"/wallet/withdrawals/{withdrawal.pk}/cancel/").status_code == 404
    assert client.post(f"/wallet/withdrawals/{withdrawal.pk}/cancel/", {"confirm": "1"}).status_code == 404
    assert Withdrawal.objects.get(pk=withdrawal.pk).status == "pending"


# --------------------------------------------------------------------------- address removal


def test_removing_an_address_needs_a_confirmation(client, customer, funded):
    addresses = client.get("/wallet/addresses/", headers=EN).content.decode()
    assert f'href="/wallet/addresses/{funded.pk}/remove/"' in addresses  # a link, not a one-tap form
    url = f"/wallet/addresses/{funded.pk}/remove/"
    page = client.get(url, headers=EN).content.decode()
    assert 'data-testid="remove-confirm"' in page and BTC_ADDRESS in page
    client.post(url, {}, headers=EN)
    assert WithdrawalAddress.objects.get(pk=funded.pk).removed_at is None
    done = client.post(url, {"confirm": "1"}, headers=EN, follow=True)
    assert "Address removed." in done.content.decode()
    assert WithdrawalAddress.objects.get(pk=funded.pk).removed_at is not None
    assert client.get(url).status_code == 404  # already removed


def test_the_removal_page_mentions_pending_withdrawals_to_the_address(client, customer, funded, totp_code):
    _pending(customer, funded, totp_code)
    page = client.get(f"/wallet/addresses/{funded.pk}/remove/", headers=EN).content.decode()
    assert "One pending withdrawal goes to this address" in page


def test_someone_elses_address_cannot_be_removed(client, customer, user_factory):
    other = usable_address(user_factory())
    client.force_login(customer)
    assert client.get(f"/wallet/addresses/{other.pk}/remove/").status_code == 404
    assert client.post(f"/wallet/addresses/{other.pk}/remove/", {"confirm": "1"}).status_code == 404
    assert WithdrawalAddress.objects.get(pk=other.pk).removed_at is None


def _queries(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_history_and_preview_make_a_fixed_number_of_queries(client, customer, funded, totp_code):
    # given one withdrawal, then twenty more: the history's query count does not grow
    _pending(customer, funded, totp_code)
    client.get("/wallet/withdrawals/")  # the session's first request does its one-off work
    one = _queries(client, "/wallet/withdrawals/")
    for index in range(20):
        Withdrawal.objects.create(
            user=customer,
            currency="BTC",
            amount=Decimal("0.01"),
            fee=Decimal("0.0005"),
            address=funded,
            address_text=funded.address,
            status="sent" if index % 2 else "cancelled",
            cancelled_by="" if index % 2 else "customer",
        )
    many = _queries(client, "/wallet/withdrawals/")
    assert many <= one  # (the first may still do per-session work; never one query per row)
    # the live preview panel: balance, limits (2), address, freeze/hold/2FA state, rate
    path = f"/wallet/withdraw/preview/?currency=BTC&amount=0.1&address_id={funded.pk}"
    client.get(path)
    preview = _queries(client, path)
    print(f"history: {one} then {many} queries (1 and 21 rows); live preview panel: {preview} queries")
    assert preview <= 12


def test_recent_activity_names_the_cancel(client, customer, funded, totp_code):
    withdrawal = _pending(customer, funded, totp_code)
    services.withdrawal_cancel(user=customer, withdrawal_id=withdrawal.pk)
    html = client.get("/account/activity/", headers=EN).content.decode()
    assert "Withdrawal cancelled by you, funds returned" in html
