"""Returning a pending withdrawal's funds: the one release shared by the customer's cancel
and the freeze, and the freeze's cancellation of every pending withdrawal."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from core.audit import audit_log
from wallet.internal import ledger
from wallet.models import (
    LedgerEntry,
    Withdrawal,
)

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
