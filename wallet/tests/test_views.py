"""HTML: the signed-in home page, header total, address and withdrawal forms, filters."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from accounts.services import account_freeze
from wallet.models import LeveragePosition, Rate, WithdrawalAddress

from .helpers import BTC_ADDRESS, fund, usable_address

pytestmark = pytest.mark.django_db


@pytest.fixture
def home_data(customer):
    now = timezone.now()
    Rate.objects.create(currency="BTC", jpy=Decimal("15000000"), as_of=now)
    fund(customer, "JPY", "1234567")
    fund(customer, "BTC", "0.00012300")
    return customer


def test_home_shows_totals_balances_and_na(client, home_data, django_assert_max_num_queries):
    client.force_login(home_data)
    # Cold path: session + user (2), first-request session tracking (6), wallet figures (4),
    # the announcement banner before its 30 s cache is warm (1).
    with django_assert_max_num_queries(13):
        response = client.get("/", headers={"Accept-Language": "en"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "¥1,236,412" in html  # 1,234,567 + 0.000123 * 15,000,000 = 1,845
    assert "0.000123" in html and "0.00012300" not in html
    assert 'data-testid="maintenance-ratio">N/A<' in html
    assert 'data-testid="header-total"' in html


def test_home_shows_the_maintenance_ratio_with_one_decimal(client, home_data):
    LeveragePosition.objects.create(user=home_data, maintenance_ratio=Decimal("152.34"), leverage_ratio=Decimal("2"))
    client.force_login(home_data)
    html = client.get("/").content.decode()
    assert 'data-testid="maintenance-ratio">152.3%<' in html


def test_header_total_is_a_customer_setting(client, home_data):
    client.force_login(home_data)
    client.post("/wallet/settings/header-total/", {"show": "0"})
    home_data.refresh_from_db()
    assert home_data.show_total_in_header is False
    assert 'data-testid="header-total"' not in client.get("/").content.decode()


def test_address_form_asks_for_a_code_then_saves(client, customer, totp_code):
    client.force_login(customer)
    form = {"currency": "BTC", "address": BTC_ADDRESS, "label": "cold", "destination_tag": ""}
    first = client.post("/wallet/addresses/", form)
    assert first.status_code == 200
    assert 'data-testid="code-prompt"' in first.content.decode()
    assert not WithdrawalAddress.objects.exists()
    second = client.post("/wallet/addresses/", {**form, "code": totp_code()})
    assert second.status_code == 302
    assert WithdrawalAddress.objects.filter(user=customer).count() == 1


def test_frozen_withdrawal_shows_the_reason(client, customer, totp_code):
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    account_freeze(user=customer, reason="lost phone")
    client.force_login(customer)
    response = client.post(
        "/wallet/withdraw/",
        {"currency": "BTC", "address_id": address.pk, "amount": "0.1", "code": totp_code()},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "frozen" in response.content.decode()


def test_pages_need_sign_in(client):
    for path in ("/wallet/", "/wallet/addresses/", "/wallet/withdraw/", "/wallet/withdrawals/"):
        assert client.get(path).status_code == 302


def test_other_customers_addresses_are_not_listed(client, customer, user_factory):
    usable_address(user_factory())
    client.force_login(customer)
    assert BTC_ADDRESS not in client.get("/wallet/addresses/").content.decode()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_filters_in_both_languages(language):
    template = Template(
        "{% load wallet_tags %}{{ yen|jpy }}|{{ btc|crypto }}|"
        "{{ none|maintenance_ratio }}|{{ ratio|maintenance_ratio }}"
    )
    with translation.override(language):
        text = template.render(
            Context(
                {"yen": Decimal("1234567.0"), "btc": Decimal("0.00012300"), "none": None, "ratio": Decimal("152.3")}
            )
        )
    assert text == "¥1,234,567|0.000123|N/A|152.3%"


def test_wrong_code_keeps_the_prompt_and_says_so(client, customer):
    fund(customer, "BTC", "1")
    address = usable_address(customer)
    client.force_login(customer)
    response = client.post(
        "/wallet/withdraw/", {"currency": "BTC", "address_id": address.pk, "amount": "0.1", "code": "000000"}
    )
    html = response.content.decode()
    assert 'data-testid="code-prompt"' in html
    assert 'data-testid="form-error"' in html
    from wallet.models import Withdrawal

    assert not Withdrawal.objects.exists()


def test_home_panel_never_shows_stale_figures_after_a_balance_change(client, home_data):
    from wallet.internal import snapshot
    from wallet.models import Balance

    client.force_login(home_data)
    before = client.get("/", headers={"Accept-Language": "en"}).content.decode()
    assert "¥1,234,567" in before

    # when the trading core's figures change (through the ledger's invalidation)
    Balance.objects.filter(user=home_data, currency="JPY").update(available=Decimal("7654321"))
    snapshot.invalidate(home_data.pk)

    after = client.get("/", headers={"Accept-Language": "en"}).content.decode()
    assert "¥7,654,321" in after
    assert "¥1,234,567" not in after


def test_home_panel_times_follow_the_readers_time_zone(home_data):
    """The shared (Redis) copy of the panel is keyed by the time zone too: a reader in
    another zone, served by another process, sees the withdrawal in their own local time."""
    import datetime as dt

    from core.memo import clear_process_memos
    from wallet.models import Withdrawal

    address = usable_address(home_data)
    Withdrawal.objects.create(
        user=home_data,
        currency="BTC",
        amount=Decimal("0.001"),
        fee=Decimal("0.0001"),
        address=address,
        address_text=address.address,
        created_at=dt.datetime(2026, 12, 1, 3, 4, tzinfo=dt.UTC),
    )
    template = Template("{% load wallet_tags %}{% home_panel %}")

    def panel_in(zone: str) -> str:
        clear_process_memos()  # each reader on another process: only the shared copy is common
        with timezone.override(zone), translation.override("en"):
            return template.render(Context({"user": home_data}))

    tokyo, london, tokyo_again = panel_in("Asia/Tokyo"), panel_in("Europe/London"), panel_in("Asia/Tokyo")
    assert "2026-12-01 12:04" in tokyo and "2026-12-01 03:04" not in tokyo
    assert "2026-12-01 03:04" in london and "2026-12-01 12:04" not in london
    assert tokyo_again == tokyo
