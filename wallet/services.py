"""Wallet writes. Every check (2FA step-up, freeze/hold, rate limit, funds) runs here, so
the HTML views, the JSON API and the internal API cannot skip one."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import ensure_no_withdrawal_hold, ensure_not_frozen
from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode
from core.notify import send_email

from . import conf
from .addresses import AddressError, validate_address
from .errors import WalletErrorCode
from .formatting import format_crypto
from .internal import ledger, quote, snapshot
from .models import (
    Currency,
    LedgerEntry,
    LeveragePosition,
    Rate,
    Withdrawal,
    WithdrawalAddress,
)

# --------------------------------------------------------------------------- helpers


def _address_error_message(code: str) -> str:
    messages = {
        "invalid_checksum": _("This address has a typo: its checksum does not match. Copy and paste it again."),
        "checksum_missing": _(
            "Enter the address with its mixed upper/lower-case letters (EIP-55 checksum) so typos can be caught."
        ),
        "wrong_network": _("This address belongs to another network (for example a testnet)."),
        "invalid_destination_tag": _("The destination tag must be a whole number from 0 to 4294967295."),
        "destination_tag_not_supported": _("This currency has no destination tag."),
        "unsupported_currency": _("Withdrawals are not available for this currency."),
    }
    return messages.get(code, _("This is not a valid address for the selected currency."))


# The checks shared with the preview (wallet.internal.quote); the old names stay for callers.
_parse_amount = quote.parse_amount
_crypto_currency = quote.crypto_currency
_insufficient = quote.insufficient


# --------------------------------------------------------------------------- addresses


def withdrawal_address_add(
    *,
    user: User,
    currency: str,
    address: str,
    label: str = "",
    destination_tag: Any = None,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> WithdrawalAddress:
    from mfa.services import second_factor_verify

    ensure_not_frozen(user)
    currency = _crypto_currency(currency)
    label = " ".join((label or "").split())
    if len(label) > 50:
        raise ApplicationError(
            CommonErrorCode.VALIDATION_FAILED,
            _("Please correct the highlighted fields."),
            fields={"label": [_("Use at most 50 characters.")]},
        )
    try:
        validated = validate_address(
            currency,
            # Full-width characters typed on a Japanese keyboard become ASCII; the checksum
            # still decides whether the result is the address the customer meant.
            unicodedata.normalize("NFKC", address or ""),
            destination_tag=unicodedata.normalize("NFKC", destination_tag)
            if isinstance(destination_tag, str)
            else destination_tag,
            btc_network=conf.btc_network(),
            eth_allow_unchecksummed=not conf.eth_require_checksum(),
        )
    except AddressError as exc:
        field = "destination_tag" if "destination_tag" in exc.code else "address"
        raise ApplicationError(
            WalletErrorCode.INVALID_ADDRESS,
            _address_error_message(exc.code),
            fields={field: [_address_error_message(exc.code)]},
        ) from exc
    existing = WithdrawalAddress.objects.filter(user=user, removed_at__isnull=True)
    if existing.filter(
        currency=currency, address=validated.address, destination_tag=validated.destination_tag
    ).exists():
        raise ApplicationError(
            WalletErrorCode.ADDRESS_EXISTS,
            _("This address is already saved."),
            status=409,
            fields={"address": [_("This address is already saved.")]},
        )
    if existing.count() >= conf.max_addresses():
        raise ApplicationError(WalletErrorCode.TOO_MANY_ADDRESSES, _("You have saved the maximum number of addresses."))
    limit, period = conf.address_rate_limit()
    ratelimit.check(f"wallet:address_add:{user.pk}", limit=limit, period=period)

    # The second factor last: a code is only spent on a request that can succeed.
    second_factor_verify(user=user, action="withdrawal_address_add", code=code, assertion=assertion, request=request)

    now = timezone.now()
    with transaction.atomic():
        row = WithdrawalAddress.objects.create(
            user=user,
            currency=currency,
            address=validated.address,
            destination_tag=validated.destination_tag,
            label=label,
            created_at=now,
            usable_at=now + dt.timedelta(hours=conf.address_delay_hours()),
        )
        audit_log(
            user=user,
            event="withdrawal_address.added",
            request=request,
            data={"address_id": row.pk, "currency": currency, "address": validated.address},
        )
        send_email(
            user=user,
            kind="wallet_address_added",
            context={
                "currency": currency,
                "label": label,
                "address_masked": mask_address(validated.address),
                "usable_at": row.usable_at.isoformat(),  # shown in JST, in the customer's language
            },
        )
    return row


def mask_address(address: str) -> str:
    """Enough for the owner to recognise the address, not enough to copy it from an email."""
    if len(address) <= 12:
        return address
    return f"{address[:6]}…{address[-4:]}"


def withdrawal_address_remove(*, user: User, address_id: int, request: HttpRequest | None = None) -> None:
    from .selectors import withdrawal_address_for_user

    row = withdrawal_address_for_user(user, address_id)
    with transaction.atomic():
        updated = WithdrawalAddress.objects.filter(pk=row.pk, removed_at__isnull=True).update(removed_at=timezone.now())
        if updated:
            audit_log(
                user=user,
                event="withdrawal_address.removed",
                request=request,
                data={"address_id": row.pk, "currency": row.currency},
            )


# --------------------------------------------------------------------------- withdrawals


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

    from .selectors import withdrawal_address_for_user

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
    from .selectors import withdrawal_for_user

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


# Who cancelled → the ledger entry that returns the funds.
_RELEASE_KIND = {
    Withdrawal.CancelledBy.CUSTOMER: LedgerEntry.Kind.WITHDRAWAL_CUSTOMER_CANCEL,
    Withdrawal.CancelledBy.FREEZE: LedgerEntry.Kind.WITHDRAWAL_CANCEL,
}


def _pending_release(withdrawal: Withdrawal, *, by: Withdrawal.CancelledBy) -> dict[str, str | int]:
    """Cancel a pending withdrawal: amount + fee go back to the available balance, one ledger
    entry (the kind says who: ``_RELEASE_KIND``), the row marked cancelled. The one
    implementation of the customer's cancel and the freeze's.

    The caller holds the customer's and the withdrawal's locks (lock order: customer,
    withdrawal, balance). Raises ``ledger.NegativeBalance``, with nothing posted or saved,
    when the core's last push no longer shows the funds in use. Returns the audit data."""
    balance = ledger.lock(user_id=withdrawal.user_id, currency=withdrawal.currency)
    total = withdrawal.total
    ledger.post(
        balance=balance,
        kind=_RELEASE_KIND[by],
        available_delta=total,
        in_use_delta=-total,
        reference=f"withdrawal:{withdrawal.pk}",
        withdrawal=withdrawal,
    )
    withdrawal.status = Withdrawal.Status.CANCELLED
    withdrawal.cancelled_by = by
    withdrawal.failure_reason = ""
    withdrawal.completed_at = timezone.now()
    withdrawal.save(update_fields=["status", "cancelled_by", "failure_reason", "completed_at"])
    return {
        "withdrawal_id": withdrawal.pk,
        "currency": withdrawal.currency,
        "amount": str(withdrawal.amount),
        "released": str(total),
    }


@dataclass(frozen=True)
class StatusResult:
    withdrawal: Withdrawal
    changed: bool


def _account_frozen_for_core() -> ApplicationError:
    return ApplicationError(
        CommonErrorCode.ACCOUNT_FROZEN,
        "the account is frozen: do not send this withdrawal (its funds went back to the available balance)",
        status=409,
    )


def withdrawal_status_set(
    *, withdrawal_id: int, status: str, txid: str = "", reason: str = "", actor_name: str = ""
) -> StatusResult:
    """pending -> sent | failed, reported by the trading core. A repeat of the same
    transition changes nothing; any other transition out of a final state is refused.

    A frozen account's withdrawal is never marked sent (409 ``account_frozen``): the freeze
    cancelled it and returned its funds (``withdrawals_cancel_for_freeze``). Lock order is
    the freeze's: customer, then withdrawal, then balance, so a freeze and a status report
    serialise and exactly one of them wins."""
    if status not in (Withdrawal.Status.SENT, Withdrawal.Status.FAILED):
        raise ApplicationError(
            CommonErrorCode.VALIDATION_FAILED, "status must be sent or failed", fields={"status": ["sent|failed"]}
        )
    if status == Withdrawal.Status.SENT and not txid:
        raise ApplicationError(
            CommonErrorCode.VALIDATION_FAILED, "txid is required when sent", fields={"txid": ["required"]}
        )
    with transaction.atomic():
        owner_id = Withdrawal.objects.filter(pk=withdrawal_id).values_list("user_id", flat=True).first()
        if owner_id is None:
            raise ApplicationError(CommonErrorCode.NOT_FOUND, "no such withdrawal", status=404)
        owner = get_user_model().objects.select_for_update().get(pk=owner_id)
        withdrawal = Withdrawal.objects.select_for_update().get(pk=withdrawal_id)
        if withdrawal.status != Withdrawal.Status.PENDING:
            if withdrawal.status == status and (status != Withdrawal.Status.SENT or withdrawal.txid == txid):
                return StatusResult(withdrawal, changed=False)
            if withdrawal.status == Withdrawal.Status.CANCELLED:
                if status == Withdrawal.Status.FAILED:
                    return StatusResult(withdrawal, changed=False)  # the funds are already back
                if owner.frozen_at is not None:
                    raise _account_frozen_for_core()
            raise ApplicationError(
                CommonErrorCode.INVALID_TRANSITION,
                f"withdrawal is already {withdrawal.status}",
                status=409,
            )
        if status == Withdrawal.Status.SENT and owner.frozen_at is not None:
            raise _account_frozen_for_core()
        balance = ledger.lock(user_id=withdrawal.user_id, currency=withdrawal.currency)
        total = withdrawal.total
        if status == Withdrawal.Status.SENT:
            ledger.post(
                balance=balance,
                kind=LedgerEntry.Kind.WITHDRAWAL_SENT,
                in_use_delta=-total,
                reference=f"withdrawal:{withdrawal.pk}",
                withdrawal=withdrawal,
            )
        else:
            ledger.post(
                balance=balance,
                kind=LedgerEntry.Kind.WITHDRAWAL_RELEASE,
                available_delta=total,
                in_use_delta=-total,
                reference=f"withdrawal:{withdrawal.pk}",
                withdrawal=withdrawal,
            )
        withdrawal.status = status
        withdrawal.txid = txid[:128]
        withdrawal.failure_reason = reason[:200]
        withdrawal.completed_at = timezone.now()
        withdrawal.save(update_fields=["status", "txid", "failure_reason", "completed_at"])
        user = withdrawal.user
        audit_log(
            user=user,
            event=f"withdrawal.{status}",
            data={"withdrawal_id": withdrawal.pk, "currency": withdrawal.currency, "by": actor_name},
        )
        send_email(
            user=user,
            kind="wallet_withdrawal_sent" if status == Withdrawal.Status.SENT else "wallet_withdrawal_failed",
            context={
                "currency": withdrawal.currency,
                "amount": format_crypto(withdrawal.amount),
                "address_masked": mask_address(withdrawal.address_text),
                "txid": withdrawal.txid,
                "withdrawal_id": withdrawal.pk,
            },
        )
    return StatusResult(withdrawal, changed=True)


def withdrawal_sent_refused_record(*, withdrawal_id: int, actor_name: str = "") -> None:
    """Audit the trading core's refused attempt to mark a frozen account's withdrawal sent.

    Called by the internal API after the refusing transaction rolled back (an audit row
    written inside it would be rolled back with it)."""
    withdrawal = Withdrawal.objects.select_related("user").filter(pk=withdrawal_id).first()
    if withdrawal is None:
        return
    audit_log(
        user=withdrawal.user,
        event="withdrawal.sent_refused_frozen",
        data={"withdrawal_id": withdrawal.pk, "currency": withdrawal.currency, "by": actor_name},
        visible_to_customer=False,
    )


def withdrawals_cancel_for_freeze(
    *, user: User, actor: User | None = None, request: HttpRequest | None = None
) -> list[int]:
    """Cancel every pending withdrawal of ``user`` and return its funds to the available
    balance. Runs inside the freeze's transaction with the customer row already locked (lock
    order: customer, withdrawal, balance). Returns the cancelled ids (audited each)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("withdrawals_cancel_for_freeze must run inside the freeze's transaction")
    cancelled: list[int] = []
    pending = Withdrawal.objects.select_for_update().filter(user_id=user.pk, status=Withdrawal.Status.PENDING)
    for withdrawal in pending.order_by("currency", "pk"):
        try:
            released = _pending_release(withdrawal, by=Withdrawal.CancelledBy.FREEZE)
        except ledger.NegativeBalance:
            # The core's last push no longer shows these funds in use (it may be sending
            # already): the freeze must still succeed, so the withdrawal stays pending and
            # held (the internal API refuses "sent" while frozen) for staff to reconcile.
            audit_log(
                user=user,
                actor=actor,
                event="withdrawal.held_by_freeze",
                request=request,
                data={"withdrawal_id": withdrawal.pk, "currency": withdrawal.currency},
                visible_to_customer=False,
            )
            continue
        audit_log(user=user, actor=actor, event="withdrawal.cancelled_by_freeze", request=request, data=released)
        cancelled.append(withdrawal.pk)
    return cancelled


# --------------------------------------------------------------------------- trading core pushes


@dataclass(frozen=True)
class BalancePush:
    currency: str
    available: Decimal
    in_use: Decimal


# The trading core pushes the figures the home page shows: one list (internal/snapshot.py).
LeveragePush = snapshot.LeverageFigures


def core_balances_apply(
    *,
    user: User,
    version: int,
    balances: list[BalancePush],
    leverage: LeveragePush | None = None,
    withdrawals_seen_up_to: int = 0,
) -> bool:
    """Replace the figures of ``user`` with the trading core's, for every row whose stored
    version is older than ``version``. A replay (same or older version) changes nothing.

    The core's figures include the withdrawals it has seen (ids up to
    ``withdrawals_seen_up_to``); pending withdrawals requested after that stay held on top,
    so a push computed before a withdrawal can never release its funds. Returns whether
    anything was applied."""
    applied = False
    codes = [b.currency for b in balances]
    if len(set(codes)) != len(codes):
        raise ApplicationError(
            CommonErrorCode.VALIDATION_FAILED, "duplicate currency", fields={"balances": ["duplicate"]}
        )
    with transaction.atomic():
        for push in sorted(balances, key=lambda b: b.currency):  # fixed lock order: no deadlocks
            if push.currency not in Currency.values:
                raise ApplicationError(
                    CommonErrorCode.VALIDATION_FAILED, "unknown currency", fields={"currency": [push.currency]}
                )
            if push.available < 0 or push.in_use < 0:
                raise ApplicationError(
                    CommonErrorCode.VALIDATION_FAILED, "negative figure", fields={"balances": ["negative"]}
                )
            balance = ledger.lock(user_id=user.pk, currency=push.currency)
            if version <= balance.core_version:
                continue
            unseen = Withdrawal.objects.filter(
                user_id=user.pk,
                currency=push.currency,
                status=Withdrawal.Status.PENDING,
                pk__gt=withdrawals_seen_up_to,
            ).aggregate(total=Sum(F("amount") + F("fee")))["total"] or Decimal(0)
            target_available = push.available - unseen
            target_in_use = push.in_use + unseen
            if target_available < 0:
                raise ApplicationError(
                    WalletErrorCode.WOULD_OVERDRAW,
                    f"{push.currency}: pending withdrawals exceed the pushed available balance",
                    status=409,
                )
            balance.core_version = version
            ledger.post(
                balance=balance,
                kind=LedgerEntry.Kind.CORE_SYNC,
                available_delta=target_available - balance.available,
                in_use_delta=target_in_use - balance.in_use,
                reference=f"core:v{version}",
            )
            applied = True
        if leverage is not None:
            position, _created = LeveragePosition.objects.select_for_update().get_or_create(user_id=user.pk)
            if version > position.core_version:
                for field in snapshot.LEVERAGE_FIELDS:
                    setattr(position, field, getattr(leverage, field))
                position.core_version = version
                position.save()
                snapshot.invalidate(user.pk)
                applied = True
    return applied


@dataclass(frozen=True)
class RatePush:
    currency: str
    jpy: Decimal


def rates_apply(*, version: int, rates: list[RatePush], as_of: dt.datetime | None = None) -> bool:
    """Set rates to JPY; a row with a version at or above ``version`` is left as it is."""
    applied = False
    with transaction.atomic():
        for push in sorted(rates, key=lambda r: r.currency):
            if push.currency not in Currency.values or push.currency == Currency.JPY:
                raise ApplicationError(
                    CommonErrorCode.VALIDATION_FAILED, "unknown currency", fields={"currency": [push.currency]}
                )
            if push.jpy <= 0:
                raise ApplicationError(
                    CommonErrorCode.VALIDATION_FAILED, "rate must be positive", fields={"jpy": ["positive"]}
                )
            row, created = Rate.objects.select_for_update().get_or_create(
                currency=push.currency, defaults={"jpy": push.jpy, "version": version, "as_of": as_of or timezone.now()}
            )
            if created:
                applied = True
                continue
            if version <= row.version:
                continue
            row.jpy = push.jpy
            row.version = version
            row.as_of = as_of or timezone.now()
            row.save(update_fields=["jpy", "version", "as_of", "updated_at"])
            applied = True
    if applied:
        from .selectors import rates_cache_clear

        rates_cache_clear()  # this process at once; everyone once the new rows are visible:
        transaction.on_commit(rates_cache_clear)
    return applied


# --------------------------------------------------------------------------- preferences


def header_total_set(*, user: User, show: bool, request: HttpRequest | None = None) -> None:
    if user.show_total_in_header == show:
        return
    user.show_total_in_header = show
    user.save(update_fields=["show_total_in_header"])
    audit_log(
        user=user,
        event="wallet.header_total_changed",
        request=request,
        data={"show": show},
        visible_to_customer=False,
    )
