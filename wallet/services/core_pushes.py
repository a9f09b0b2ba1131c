"""What the trading core reports: withdrawal status (sent / failed), balance and leverage
figures, and rates to JPY."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from accounts.models import User
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode
from core.notify import send_email
from wallet.errors import WalletErrorCode
from wallet.formatting import format_crypto
from wallet.internal import ledger, snapshot
from wallet.models import (
    Currency,
    LedgerEntry,
    LeveragePosition,
    Rate,
    Withdrawal,
)
from wallet.services._common import mask_address


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
        from wallet.selectors import rates_cache_clear

        rates_cache_clear()  # this process at once; everyone once the new rows are visible:
        transaction.on_commit(rates_cache_clear)
    return applied
