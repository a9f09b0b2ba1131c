"""Wallet reads, always scoped to the customer; an object of someone else is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from core.errors import not_found
from core.memo import Expiring

from . import conf
from .formatting import trim_decimal
from .internal.snapshot import LeverageFigures, RecentWithdrawal, Snapshot
from .internal.snapshot import load as load_snapshot
from .models import Currency, Rate, Withdrawal, WithdrawalAddress

RATES_CACHE_KEY = "wallet:rates:v1"
RATES_CACHE_SECONDS = 5
CURRENCY_ORDER = [c.value for c in Currency]


# --------------------------------------------------------------------------- rates


_local_rates: Expiring[dict[str, str]] = Expiring()


def rates_to_jpy() -> dict[str, Decimal]:
    """Rates are the same for everyone and change every few seconds: kept for a second in
    the process and for a few seconds in the shared cache (cleared when the core pushes
    new ones), so the home page rarely pays a round trip for them."""
    local_seconds = conf.rates_local_seconds()
    cached = _local_rates.get(local_seconds)
    if cached is None:
        cached = cache.get(RATES_CACHE_KEY)
        if cached is None:
            cached = {r.currency: str(r.jpy) for r in Rate.objects.all()}
            cache.set(RATES_CACHE_KEY, cached, RATES_CACHE_SECONDS)
        if local_seconds > 0:
            _local_rates.set(cached)
    rates = {code: Decimal(value) for code, value in cached.items()}
    rates[Currency.JPY.value] = Decimal(1)
    return rates


def rates_cache_clear() -> None:
    _local_rates.clear()
    cache.delete(RATES_CACHE_KEY)


# --------------------------------------------------------------------------- balances


@dataclass(frozen=True)
class BalanceRow:
    currency: str
    available: Decimal
    in_use: Decimal
    jpy_value: Decimal | None  # None when no rate is known (the total leaves it out)
    rate: Decimal | None

    @property
    def total(self) -> Decimal:
        return self.available + self.in_use


@dataclass(frozen=True)
class Overview:
    net_assets_jpy: Decimal
    rows: list[BalanceRow]
    leverage: LeverageFigures | None
    missing_rates: list[str]
    recent_withdrawals: list[RecentWithdrawal]


def _jpy(value: Decimal) -> Decimal:
    return trim_decimal(value, 0)


def overview_for_user(user: Any, *, snapshot: Snapshot | None = None) -> Overview:
    """Balances in every currency (zero rows included), their JPY value and the total."""
    snapshot = snapshot or load_snapshot(user.pk)
    rates = rates_to_jpy()
    rows: list[BalanceRow] = []
    total = Decimal(0)
    missing: list[str] = []
    zero = (Decimal(0), Decimal(0))
    for code in CURRENCY_ORDER:
        available, in_use = snapshot.balances.get(code, zero)
        rate = rates.get(code)
        value = (available + in_use) * rate if rate is not None else None
        if value is None:
            if available + in_use:
                missing.append(code)
        else:
            total += value
        rows.append(BalanceRow(code, available, in_use, _jpy(value) if value is not None else None, rate))
    return Overview(
        net_assets_jpy=_jpy(total),
        rows=rows,
        leverage=snapshot.leverage,
        missing_rates=missing,
        recent_withdrawals=snapshot.recent_withdrawals,
    )


# --------------------------------------------------------------------------- addresses & withdrawals


def withdrawal_addresses_for_user(user: Any, *, currency: str | None = None) -> QuerySet[WithdrawalAddress]:
    qs = WithdrawalAddress.objects.filter(user=user, removed_at__isnull=True).order_by("currency", "-created_at")
    if currency:
        qs = qs.filter(currency=currency)
    return qs


def usable_withdrawal_addresses_for_user(user: Any, *, currency: str | None = None) -> QuerySet[WithdrawalAddress]:
    return withdrawal_addresses_for_user(user, currency=currency).filter(usable_at__lte=timezone.now())


def withdrawal_address_for_user(user: Any, address_id: Any) -> WithdrawalAddress:
    try:
        return WithdrawalAddress.objects.get(pk=int(address_id), user=user)
    except (WithdrawalAddress.DoesNotExist, TypeError, ValueError) as exc:
        raise not_found() from exc


def withdrawals_for_user(user: Any, *, limit: int = 50) -> QuerySet[Withdrawal]:
    return Withdrawal.objects.filter(user=user).order_by("-created_at", "-id")[:limit]


# --------------------------------------------------------------------------- home


def home_context_for_user(user: Any, *, overview: Overview | None = None) -> dict[str, Any]:
    """Context of ``wallet/home_panel.html`` (the signed-in home page)."""
    overview = overview or overview_for_user(user)
    return {
        "overview": overview,
        "net_assets_jpy": overview.net_assets_jpy,
        "balance_rows": overview.rows,
        "leverage": overview.leverage,
        "recent_withdrawals": overview.recent_withdrawals,
    }
