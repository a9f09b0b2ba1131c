"""The figures and refusals of a withdrawal, computed once for the preview, the max button
and the request itself (``wallet.selectors.withdrawal_preview_for_user`` and
``wallet.services.withdrawal_request``), so the page, the API and the service can never
disagree about the fee, the limits or why a withdrawal would be refused.

Limits are in the currency's own units, counted over the JST calendar day and month
(0:00 Asia/Tokyo): the amounts of pending and sent withdrawals (not the fee; failed and
cancelled ones gave their funds back and do not count).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.db.models import Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ApplicationError, CommonErrorCode

from .. import conf
from ..errors import WalletErrorCode
from ..formatting import format_crypto
from ..models import CRYPTO_CURRENCIES, Withdrawal

JST = zoneinfo.ZoneInfo("Asia/Tokyo")
COUNTED = (Withdrawal.Status.PENDING, Withdrawal.Status.SENT)


def invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(
        CommonErrorCode.VALIDATION_FAILED, _("Please correct the highlighted fields."), fields={field: [message]}
    )


def parse_amount(raw: Any, *, places: int, maximum: Decimal | None = None) -> Decimal:
    if isinstance(raw, (float, bool)):
        raise invalid("amount", _("Send the amount as a decimal string."))
    try:
        amount = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        amount = Decimal("NaN")
    if not amount.is_finite() or amount <= 0:
        raise invalid("amount", _("Enter an amount greater than zero."))
    if -amount.as_tuple().exponent > places:  # type: ignore[operator]
        raise invalid("amount", _("Use at most %(places)s decimal places.") % {"places": places})
    if maximum is not None and amount > maximum:
        # "1e30" and friends: refused here, before any arithmetic could overflow (wallet.bounds).
        raise invalid("amount", _("Enter at most %(maximum)s.") % {"maximum": format_crypto(maximum)})
    return amount


def crypto_currency(raw: Any, field: str = "currency") -> str:
    code = str(raw or "").strip().upper()
    if code not in {c.value for c in CRYPTO_CURRENCIES}:
        raise invalid(field, _("Choose BTC, ETH or XRP."))
    return code


def places_for(currency: str, rule: conf.WithdrawalRule) -> int:
    return min(rule.places, conf.currency_places(currency))


def period_starts(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The start of today and of this month, 0:00 JST."""
    local = (now or timezone.now()).astimezone(JST)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day.replace(day=1)


@dataclass(frozen=True)
class Limits:
    daily: Decimal | None  # None: no limit
    monthly: Decimal | None
    used_today: Decimal
    used_this_month: Decimal

    @property
    def daily_remaining(self) -> Decimal | None:
        return None if self.daily is None else max(Decimal(0), self.daily - self.used_today)

    @property
    def monthly_remaining(self) -> Decimal | None:
        return None if self.monthly is None else max(Decimal(0), self.monthly - self.used_this_month)


def limits_for(user_id: int, currency: str, *, now: dt.datetime | None = None) -> Limits:
    daily, monthly = conf.withdrawal_daily_limit(currency), conf.withdrawal_monthly_limit(currency)
    day_start, month_start = period_starts(now)
    rows = Withdrawal.objects.filter(user_id=user_id, currency=currency, status__in=COUNTED)
    month = rows.filter(created_at__gte=month_start)
    used_month = month.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    used_today = month.filter(created_at__gte=day_start).aggregate(s=Sum("amount"))["s"] or Decimal(0)
    return Limits(daily=daily, monthly=monthly, used_today=used_today, used_this_month=used_month)


def max_amount(*, currency: str, rule: conf.WithdrawalRule, available: Decimal, limits: Limits) -> Decimal | None:
    """The largest amount that can be requested now: the available balance minus the fee,
    within today's and this month's remaining limit and the plausibility bound
    (``wallet.bounds``), rounded down to the currency's places. None when that is below
    the minimum (nothing can be withdrawn now)."""
    candidates = [available - rule.fee, limits.daily_remaining, limits.monthly_remaining, conf.max_balance(currency)]
    best = min(c for c in candidates if c is not None)
    best = best.quantize(Decimal(1).scaleb(-places_for(currency, rule)), rounding=ROUND_DOWN)
    return best if best >= rule.minimum and best > 0 else None


def insufficient(currency: str, available: Decimal, total: Decimal) -> ApplicationError:
    return ApplicationError(
        WalletErrorCode.INSUFFICIENT_FUNDS,
        _("Insufficient funds: %(total)s %(currency)s needed including the fee, %(available)s available.")
        % {"total": format_crypto(total), "currency": currency, "available": format_crypto(available)},
        status=400,
        fields={"amount": [_("More than the available balance (including the fee).")]},
    )


def below_minimum(currency: str, rule: conf.WithdrawalRule) -> ApplicationError:
    return ApplicationError(
        WalletErrorCode.BELOW_MINIMUM,
        _("The minimum withdrawal is %(minimum)s %(currency)s.")
        % {"minimum": format_crypto(rule.minimum), "currency": currency},
        fields={"amount": [_("Below the minimum.")]},
    )


def limit_problems(currency: str, value: Decimal, limits: Limits) -> list[ApplicationError]:
    problems = []
    daily = limits.daily_remaining
    if daily is not None and value > daily:
        message = _(
            "More than today's remaining withdrawal limit: %(remaining)s %(currency)s (it resets at 0:00 JST)."
        ) % {"remaining": format_crypto(daily), "currency": currency}
        problems.append(ApplicationError(WalletErrorCode.DAILY_LIMIT_EXCEEDED, message, fields={"amount": [message]}))
    monthly = limits.monthly_remaining
    if monthly is not None and value > monthly:
        message = _(
            "More than this month's remaining withdrawal limit: %(remaining)s %(currency)s "
            "(it resets on the 1st at 0:00 JST)."
        ) % {"remaining": format_crypto(monthly), "currency": currency}
        problems.append(ApplicationError(WalletErrorCode.MONTHLY_LIMIT_EXCEEDED, message, fields={"amount": [message]}))
    return problems


def amount_problems(
    *, currency: str, rule: conf.WithdrawalRule, value: Decimal, available: Decimal, limits: Limits
) -> list[ApplicationError]:
    """Every reason this amount would be refused now, in the order the request checks them."""
    problems: list[ApplicationError] = []
    if value < rule.minimum:
        problems.append(below_minimum(currency, rule))
    if available < value + rule.fee:
        problems.append(insufficient(currency, available, value + rule.fee))
    problems += limit_problems(currency, value, limits)
    return problems


def address_not_ready(usable_at: dt.datetime) -> ApplicationError:
    return ApplicationError(
        WalletErrorCode.ADDRESS_NOT_READY,
        _("This address can be used from %(when)s (new addresses wait for your protection).")
        % {"when": formats.date_format(timezone.localtime(usable_at), "DATETIME_FORMAT")},
        status=403,
    )


def second_factor_setup_problem(user: User) -> ApplicationError | None:
    if not conf.require_2fa_for_withdrawal():
        return None
    from mfa.selectors import two_factor_state

    state = two_factor_state(user)
    if not state.get("totp") and not state.get("passkeys"):
        return ApplicationError(
            CommonErrorCode.TWO_FACTOR_SETUP_REQUIRED,
            _("Set up an authenticator app or a passkey before withdrawing."),
            status=403,
        )
    return None


def account_problems(user: User) -> list[ApplicationError]:
    """Why this customer cannot withdraw at all now (freeze, hold, no second factor)."""
    from accounts.services import ensure_no_withdrawal_hold, ensure_not_frozen

    problems: list[ApplicationError] = []
    for check in (ensure_not_frozen, ensure_no_withdrawal_hold):
        try:
            check(user)
        except ApplicationError as exc:
            problems.append(exc)
    setup = second_factor_setup_problem(user)
    if setup is not None:
        problems.append(setup)
    return problems
