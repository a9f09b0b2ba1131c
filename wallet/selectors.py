"""Wallet reads, always scoped to the customer; an object of someone else is a 404."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import not_found
from core.memo import Expiring

from . import conf
from .formatting import trim_decimal
from .internal.snapshot import LeverageFigures, RecentWithdrawal, Snapshot
from .internal.snapshot import load as load_snapshot
from .models import Balance, Currency, Rate, Withdrawal, WithdrawalAddress

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


def overview_for_user(user: User, *, snapshot: Snapshot | None = None) -> Overview:
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


def withdrawal_addresses_for_user(user: User, *, currency: str | None = None) -> QuerySet[WithdrawalAddress]:
    qs = WithdrawalAddress.objects.filter(user=user, removed_at__isnull=True).order_by("currency", "-created_at")
    if currency:
        qs = qs.filter(currency=currency)
    return qs


def usable_withdrawal_addresses_for_user(user: User, *, currency: str | None = None) -> QuerySet[WithdrawalAddress]:
    return withdrawal_addresses_for_user(user, currency=currency).filter(usable_at__lte=timezone.now())


def withdrawal_address_for_user(user: User, address_id: Any) -> WithdrawalAddress:
    try:
        return WithdrawalAddress.objects.get(pk=int(address_id), user=user)
    except (WithdrawalAddress.DoesNotExist, TypeError, ValueError) as exc:
        raise not_found() from exc


def withdrawals_for_user(user: User, *, limit: int = 50) -> QuerySet[Withdrawal]:
    return Withdrawal.objects.filter(user=user).order_by("-created_at", "-id")[:limit]


def pending_withdrawals_to_address_for_user(user: User, address_id: int) -> QuerySet[Withdrawal]:
    return Withdrawal.objects.filter(user=user, address_id=address_id, status=Withdrawal.Status.PENDING).order_by("pk")


def withdrawal_for_user(user: User, withdrawal_id: Any) -> Withdrawal:
    try:
        return Withdrawal.objects.get(pk=int(withdrawal_id), user=user)
    except (Withdrawal.DoesNotExist, TypeError, ValueError) as exc:
        raise not_found() from exc


# --------------------------------------------------------------------------- withdrawal preview


@dataclass(frozen=True)
class Problem:
    """Why the previewed withdrawal would be refused: the code and message the request
    itself would answer (``wallet.internal.quote``)."""

    code: str
    message: str
    field: str | None


@dataclass(frozen=True)
class WithdrawalPreview:
    currency: str
    amount: Decimal | None  # None: nothing typed yet (the figures that need it are None too)
    fee: Decimal
    minimum: Decimal
    places: int
    total: Decimal | None  # amount + fee: what leaves the available balance
    received: Decimal | None  # what arrives at the address (the fee is added, not deducted)
    rate: Decimal | None  # JPY per unit; None when no rate is known
    received_jpy: Decimal | None
    fee_jpy: Decimal | None
    total_jpy: Decimal | None
    available: Decimal
    available_after: Decimal | None
    daily_limit: Decimal | None  # None: no limit
    daily_remaining: Decimal | None
    daily_remaining_after: Decimal | None
    monthly_limit: Decimal | None
    monthly_remaining: Decimal | None
    monthly_remaining_after: Decimal | None
    max_amount: Decimal | None  # None: nothing can be withdrawn now (below the minimum)
    address: WithdrawalAddress | None
    problems: list[Problem]

    @property
    def can_submit(self) -> bool:
        return self.amount is not None and not self.problems


def _problem(exc: Any) -> Problem:
    field = next(iter(exc.fields), None) if exc.fields else None
    return Problem(exc.code, exc.message, field)


def _after(remaining: Decimal | None, amount: Decimal | None) -> Decimal | None:
    if remaining is None or amount is None:
        return None
    return max(Decimal(0), remaining - amount)


def withdrawal_preview_for_user(
    user: User, *, currency: Any, amount: Any = None, address_id: Any = None
) -> WithdrawalPreview:
    """Fee, amount received, JPY values, the available balance and the remaining daily and
    monthly limit, before and after, plus the largest amount possible now (the max button)
    and every reason the request would be refused. A malformed currency or amount raises
    ``validation_failed`` exactly as the request does; an address of someone else is a 404.
    Reads only: nothing is locked or spent."""
    from .internal import quote

    code = quote.crypto_currency(currency)
    rule = conf.withdrawal_rule(code)
    if rule is None:
        raise quote.invalid("currency", _("Withdrawals are not available for this currency."))
    places = quote.places_for(code, rule)
    value = None
    if amount not in (None, ""):
        value = quote.parse_amount(amount, places=places, maximum=conf.max_balance(code))
    address = None
    if address_id not in (None, ""):
        address = withdrawal_address_for_user(user, address_id)
    available = Balance.objects.filter(user=user, currency=code).values_list("available", flat=True).first()
    available = available or Decimal(0)
    limits = quote.limits_for(user.pk, code)
    errors = quote.account_problems(user)
    if address is not None:
        if address.currency != code or address.removed_at is not None:
            errors.append(quote.invalid("address_id", _("Choose a saved %(currency)s address.") % {"currency": code}))
        elif not address.is_usable():
            errors.append(quote.address_not_ready(address.usable_at))
    if value is not None:
        errors += quote.amount_problems(currency=code, rule=rule, value=value, available=available, limits=limits)
    rate = rates_to_jpy().get(code)
    total = value + rule.fee if value is not None else None

    def yen(figure: Decimal | None) -> Decimal | None:
        return _jpy(figure * rate) if figure is not None and rate is not None else None

    return WithdrawalPreview(
        currency=code,
        amount=value,
        fee=rule.fee,
        minimum=rule.minimum,
        places=places,
        total=total,
        received=value,
        rate=rate,
        received_jpy=yen(value),
        fee_jpy=yen(rule.fee),
        total_jpy=yen(total),
        available=available,
        available_after=available - total if total is not None and total <= available else None,
        daily_limit=limits.daily,
        daily_remaining=limits.daily_remaining,
        daily_remaining_after=_after(limits.daily_remaining, value),
        monthly_limit=limits.monthly,
        monthly_remaining=limits.monthly_remaining,
        monthly_remaining_after=_after(limits.monthly_remaining, value),
        max_amount=quote.max_amount(currency=code, rule=rule, available=available, limits=limits),
        address=address,
        problems=[_problem(e) for e in errors],
    )


# --------------------------------------------------------------------------- home


def home_context_for_user(user: User, *, overview: Overview | None = None) -> dict[str, Any]:
    """Context of ``wallet/home_panel.html`` (the signed-in home page)."""
    overview = overview or overview_for_user(user)
    return {
        "overview": overview,
        "net_assets_jpy": overview.net_assets_jpy,
        "balance_rows": overview.rows,
        "leverage": overview.leverage,
        "recent_withdrawals": overview.recent_withdrawals,
    }
