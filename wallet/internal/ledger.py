"""The only code that changes a balance.

Protocol (must run inside ``transaction.atomic``):

1. ``lock(user_id=..., currency=...)`` creates the row if missing and takes a row lock
   (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers anyway);
2. ``post(balance=..., ...)`` checks that neither figure goes negative, appends one
   ``LedgerEntry`` carrying the deltas and the figures after, and saves the balance.

Two concurrent withdrawals for the whole balance therefore serialise on the row lock: the
second one sees the first one's result and is refused, never both accepted.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from ..models import Balance, LedgerEntry, Withdrawal
from . import snapshot


class NegativeBalance(Exception):
    """A posting would take a figure below zero (the caller maps it to its own error)."""


def lock(*, user_id: int, currency: str) -> Balance:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger.lock must run inside transaction.atomic")
    try:
        with transaction.atomic():
            Balance.objects.get_or_create(user_id=user_id, currency=currency)
    except IntegrityError:
        pass  # created concurrently; the row exists now
    return Balance.objects.select_for_update().get(user_id=user_id, currency=currency)


def post(
    *,
    balance: Balance,
    kind: str,
    available_delta: Decimal = Decimal(0),
    in_use_delta: Decimal = Decimal(0),
    reference: str = "",
    withdrawal: Withdrawal | None = None,
) -> LedgerEntry:
    if not isinstance(available_delta, Decimal) or not isinstance(in_use_delta, Decimal):
        raise TypeError("ledger deltas must be Decimal")
    new_available = balance.available + available_delta
    new_in_use = balance.in_use + in_use_delta
    if new_available < 0 or new_in_use < 0:
        raise NegativeBalance(f"{balance.currency}: {new_available} / {new_in_use}")
    entry = LedgerEntry.objects.create(
        user_id=balance.user_id,
        currency=balance.currency,
        kind=kind,
        available_delta=available_delta,
        in_use_delta=in_use_delta,
        available_after=new_available,
        in_use_after=new_in_use,
        reference=reference[:100],
        withdrawal=withdrawal,
    )
    balance.available = new_available
    balance.in_use = new_in_use
    balance.save(update_fields=["available", "in_use", "core_version", "updated_at"])
    snapshot.invalidate(balance.user_id)
    return entry


def mismatches() -> list[dict[str, object]]:
    """Balances whose figures differ from the sums of their ledger entries (should be none)."""
    sums = {
        (row["user_id"], row["currency"]): (row["a"] or Decimal(0), row["u"] or Decimal(0))
        for row in LedgerEntry.objects.values("user_id", "currency").annotate(
            a=Sum("available_delta"), u=Sum("in_use_delta")
        )
    }
    problems: list[dict[str, object]] = []
    seen = set()
    for balance in Balance.objects.all().iterator():
        key = (balance.user_id, balance.currency)
        seen.add(key)
        available, in_use = sums.get(key, (Decimal(0), Decimal(0)))
        if available != balance.available or in_use != balance.in_use:
            problems.append(
                {
                    "user_id": balance.user_id,
                    "currency": balance.currency,
                    "balance": (balance.available, balance.in_use),
                    "ledger": (available, in_use),
                }
            )
    for key in sums.keys() - seen:
        problems.append({"user_id": key[0], "currency": key[1], "balance": None, "ledger": sums[key]})
    return problems
