"""Withdrawal requests and the customer's own cancel of a pending one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import ensure_no_withdrawal_hold, ensure_not_frozen
from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode
from core.notify import send_email
from wallet import conf
from wallet.errors import WalletErrorCode
from wallet.formatting import format_crypto
from wallet.internal import ledger, quote
from wallet.models import (
    LedgerEntry,
    Withdrawal,
)
from wallet.services._common import _crypto_currency, _insufficient, _parse_amount, mask_address
from wallet.services.release import _pending_release


def _ensure_second_factor_configured(user: User) -> None:
    problem = quote.second_factor_setup_problem(user)
    if problem is not None:
        raise problem


def withdrawal_request(
    *,
    user: User,
    currency: str,
    amount: Any,
    address_id: int,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Withdrawal:
    from mfa.services import second_factor_verify
    from wallet.selectors import withdrawal_address_for_user

    ensure_not_frozen(user)
    ensure_no_withdrawal_hold(user)
    _ensure_second_factor_configured(user)
    currency = _crypto_currency(currency)
    rule = conf.withdrawal_rule(currency)
    if rule is None:
        raise ApplicationError(
            WalletErrorCode.UNSUPPORTED_CURRENCY, _("Withdrawals are not available for this currency.")
        )
    value = _parse_amount(amount, places=quote.places_for(currency, rule), maximum=conf.max_balance(currency))
    if value < rule.minimum:
        raise quote.below_minimum(currency, rule)
    address = withdrawal_address_for_user(user, address_id)
    if address.currency != currency or address.removed_at is not None:
        raise ApplicationError(
            CommonErrorCode.VALIDATION_FAILED,
            _("Please correct the highlighted fields."),
            fields={"address_id": [_("Choose a saved %(currency)s address.") % {"currency": currency}]},
        )
    if not address.is_usable():
        raise quote.address_not_ready(address.usable_at)
    total = value + rule.fee
    # Cheap pre-checks without a lock, so a request that cannot succeed does not spend a code.
    current = user.wallet_balances.filter(currency=currency).values_list("available", flat=True).first()
    if current is None or current < total:
        raise _insufficient(currency, current or Decimal(0), total)
    for problem in quote.limit_problems(currency, value, quote.limits_for(user.pk, currency)):
        raise problem
    limit, period = conf.withdrawal_rate_limit()
    ratelimit.check(f"wallet:withdrawal:{user.pk}", limit=limit, period=period)

    second_factor_verify(user=user, action="withdrawal", code=code, assertion=assertion, request=request)

    with transaction.atomic():
        # A freeze or hold that landed while this request was under way still wins: the
        # customer row is locked (lock order: customer, then balance) and read again.
        current_user = get_user_model().objects.select_for_update().get(pk=user.pk)
        ensure_not_frozen(current_user)
        ensure_no_withdrawal_hold(current_user)
        balance = ledger.lock(user_id=user.pk, currency=currency)
        if balance.available < total:
            raise _insufficient(currency, balance.available, total)
        # Under the customer's lock: two concurrent requests cannot both fit in the limit.
        for problem in quote.limit_problems(currency, value, quote.limits_for(user.pk, currency)):
            raise problem
        withdrawal = Withdrawal.objects.create(
            user=user,
            currency=currency,
            amount=value,
            fee=rule.fee,
            address=address,
            address_text=address.address,
            destination_tag=address.destination_tag,
        )
        ledger.post(
            balance=balance,
            kind=LedgerEntry.Kind.WITHDRAWAL_HOLD,
            available_delta=-total,
            in_use_delta=total,
            reference=f"withdrawal:{withdrawal.pk}",
            withdrawal=withdrawal,
        )
        audit_log(
            user=user,
            event="withdrawal.requested",
            request=request,
            data={
                "withdrawal_id": withdrawal.pk,
                "currency": currency,
                "amount": str(value),
                "fee": str(rule.fee),
                "address_id": address.pk,
            },
        )
        send_email(
            user=user,
            kind="wallet_withdrawal_requested",
            context={
                "currency": currency,
                "amount": format_crypto(value),
                "fee": format_crypto(rule.fee),
                "address_masked": mask_address(address.address),
                "label": address.label,
                "withdrawal_id": withdrawal.pk,
            },
        )
    return withdrawal


def _not_cancellable(withdrawal: Withdrawal) -> ApplicationError:
    if withdrawal.status == Withdrawal.Status.SENT:
        message = _("This withdrawal has already been sent, so it can no longer be cancelled.")
    elif withdrawal.status == Withdrawal.Status.CANCELLED:
        message = _("This withdrawal has already been cancelled; its funds are back in your available balance.")
    elif withdrawal.status == Withdrawal.Status.FAILED:
        message = _("This withdrawal failed; its funds are already back in your available balance.")
    else:
        message = _("This withdrawal is being processed and can no longer be cancelled. Contact us if you need help.")
    return ApplicationError(WalletErrorCode.WITHDRAWAL_NOT_CANCELLABLE, message, status=409)


def withdrawal_cancel(*, user: User, withdrawal_id: Any, request: HttpRequest | None = None) -> Withdrawal:
    """The customer cancels their own withdrawal while it is still pending (the trading core
    has not reported it sent): amount + fee go back to the available balance, audited and
    emailed.

    No second factor: cancelling can only return funds to the customer's own balance, never
    move them out (docs/wallet.md). Owner only (someone else's id is a 404). Refused while the
    account is frozen: the freeze has already cancelled every pending withdrawal, and one it
    could not release is held for staff to reconcile.

    Lock order is the freeze's and the trading core's (customer, withdrawal, balance), so a
    cancel racing the core's "sent" serialises with it: exactly one wins, and the loser gets
    ``withdrawal_not_cancellable`` (409) here or ``invalid_transition`` (409) on the internal API."""
    from wallet.selectors import withdrawal_for_user

    row = withdrawal_for_user(user, withdrawal_id)
    ensure_not_frozen(user)
    if not row.cancellable:
        raise _not_cancellable(row)
    with transaction.atomic():
        current_user = get_user_model().objects.select_for_update().get(pk=user.pk)
        ensure_not_frozen(current_user)
        withdrawal = Withdrawal.objects.select_for_update().get(pk=row.pk)
        if not withdrawal.cancellable:
            raise _not_cancellable(withdrawal)
        try:
            released = _pending_release(withdrawal, by=Withdrawal.CancelledBy.CUSTOMER)
        except ledger.NegativeBalance as exc:
            # The core's last push no longer shows these funds in use: it is sending them.
            raise _not_cancellable(withdrawal) from exc
        audit_log(user=user, event="withdrawal.cancelled", request=request, data=released)
        send_email(
            user=user,
            kind="wallet_withdrawal_cancelled",
            context={
                "currency": withdrawal.currency,
                "amount": format_crypto(withdrawal.amount),
                "released": format_crypto(withdrawal.total),
                "address_masked": mask_address(withdrawal.address_text),
                "withdrawal_id": withdrawal.pk,
            },
        )
    return withdrawal
