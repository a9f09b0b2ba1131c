"""Reads: valuation, rates cache, the home context and the header total."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from wallet import selectors, services
from wallet.models import Rate

from .helpers import fund

pytestmark = pytest.mark.django_db


def test_overview_values_every_currency_and_flags_missing_rates(user_factory):
    user = user_factory()
    Rate.objects.create(currency="BTC", jpy=Decimal("10000000"), as_of=timezone.now())
    fund(user, "JPY", "1000.9")
    fund(user, "BTC", "0.5", "0.25")
    fund(user, "ETH", "1")  # no ETH rate
    overview = selectors.overview_for_user(user)
    rows = {r.currency: r for r in overview.rows}
    assert [r.currency for r in overview.rows] == ["JPY", "BTC", "ETH", "XRP"]
    assert rows["BTC"].jpy_value == Decimal("7500000")
    assert rows["ETH"].jpy_value is None
    assert overview.missing_rates == ["ETH"]
    assert overview.net_assets_jpy == Decimal("7501000")  # JPY 1000.9 rounded down with the rest


def test_rates_push_clears_the_cache(settings):
    selectors.rates_cache_clear()
    settings.MADOGUCHI_WALLET_RATES_LOCAL_SECONDS = 60
    services.rates_apply(version=1, rates=[services.RatePush("BTC", Decimal("100"))])
    assert selectors.rates_to_jpy()["BTC"] == Decimal("100")
    # a row changed behind the cache's back is not seen (cached) ...
    Rate.objects.filter(currency="BTC").update(jpy=Decimal("1"))
    assert selectors.rates_to_jpy()["BTC"] == Decimal("100")
    # ... but a push through the service is seen at once
    services.rates_apply(version=2, rates=[services.RatePush("BTC", Decimal("200"))])
    assert selectors.rates_to_jpy()["BTC"] == Decimal("200")


def test_home_context_lists_recent_withdrawals_only_of_the_user(user_factory):
    user = user_factory()
    context = selectors.home_context_for_user(user)
    assert context["net_assets_jpy"] == Decimal(0)
    assert context["recent_withdrawals"] == []
    assert context["leverage"] is None
