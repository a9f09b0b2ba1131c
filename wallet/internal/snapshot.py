"""A per-customer snapshot of the home page's figures (balances, leverage, recent
withdrawals) in the shared cache, so the busiest page costs one or two cache reads instead
of three queries.

Correctness comes from a version number per customer instead of deleting keys:

- a reader takes the current version ``v`` and the stored ``(version, snapshot)`` pair in
  one round trip; the snapshot counts only if it was stored under ``v``. On a miss it reads
  the database and stores the pair ``(v, snapshot)``;
- every write (``invalidate``) bumps the version at once and again after its transaction
  commits. A reader that read the database before the commit can only store its (old)
  figures under a version that is already superseded, so nobody is served stale figures
  after the commit.

The cache failing (Redis down) is not an outage: the snapshot is read from the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal

import structlog
from django.core.cache import cache

from core import versions

from ..models import Balance, LeveragePosition, Withdrawal

logger = structlog.get_logger("madoguchi.wallet")

SNAPSHOT_SECONDS = 300
RECENT_WITHDRAWALS = 5


@dataclass(frozen=True)
class LeverageFigures:
    """The trading core's leverage figures: the one list of them. The trading core's push
    (``wallet.services.LeveragePush``) is this class; the API schemas
    (``wallet.internal_api.LeverageIn``, ``wallet.api.LeverageOut``) and the model
    (``LeveragePosition``) are kept to the same names by wallet/tests/test_snapshot.py."""

    margin_jpy: Decimal
    margin_btc: Decimal
    withdrawable_jpy: Decimal
    withdrawable_btc: Decimal
    available_jpy: Decimal
    available_btc: Decimal
    debt_jpy: Decimal
    debt_btc: Decimal
    leverage_ratio: Decimal | None
    maintenance_ratio: Decimal | None


LEVERAGE_FIELDS = tuple(field.name for field in fields(LeverageFigures))
# The amounts (the two ratios are nullable and formatted on their own).
LEVERAGE_AMOUNT_FIELDS = tuple(name for name in LEVERAGE_FIELDS if not name.endswith("_ratio"))


@dataclass(frozen=True)
class RecentWithdrawal:
    id: int
    currency: str
    amount: Decimal
    status: str
    created_at: dt.datetime

    @property
    def status_display(self) -> str:
        return str(Withdrawal.Status(self.status).label)


@dataclass(frozen=True)
class Snapshot:
    balances: dict[str, tuple[Decimal, Decimal]]
    leverage: LeverageFigures | None
    recent_withdrawals: list[RecentWithdrawal]


def _version_key(user_id: int) -> str:
    return f"wallet:ver:{user_id}"


def _snapshot_key(user_id: int) -> str:
    return f"wallet:snap:v2:{user_id}"


def _version(user_id: int) -> int:
    return versions.current(_version_key(user_id))


def invalidate(user_id: int) -> None:
    """Call on every change of the customer's balances, leverage figures or withdrawals."""
    versions.bump(_version_key(user_id))


def build(user_id: int) -> Snapshot:
    balances = {
        b.currency: (b.available, b.in_use)
        for b in Balance.objects.filter(user_id=user_id).only("currency", "available", "in_use")
    }
    position = LeveragePosition.objects.filter(user_id=user_id).first()
    leverage = LeverageFigures(**{name: getattr(position, name) for name in LEVERAGE_FIELDS}) if position else None
    recent = [
        RecentWithdrawal(w.pk, w.currency, w.amount, w.status, w.created_at)
        for w in Withdrawal.objects.filter(user_id=user_id)
        .only("id", "currency", "amount", "status", "created_at")
        .order_by("-created_at", "-id")[:RECENT_WITHDRAWALS]
    ]
    return Snapshot(balances=balances, leverage=leverage, recent_withdrawals=recent)


def load(user_id: int) -> Snapshot:
    key = _snapshot_key(user_id)
    try:
        found = cache.get_many([_version_key(user_id), key])
        version = found.get(_version_key(user_id))
        version = _version(user_id) if version is None else int(version)
    except Exception:  # noqa: BLE001 - serve from the database when the cache is down
        logger.warning("wallet.snapshot_cache_unavailable", user_id=user_id)
        return build(user_id)
    stored = found.get(key)
    if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == version and isinstance(stored[1], Snapshot):
        return stored[1]
    snapshot = build(user_id)
    try:
        cache.set(key, (version, snapshot), SNAPSHOT_SECONDS)
    except Exception:  # noqa: BLE001
        logger.warning("wallet.snapshot_cache_unavailable", user_id=user_id)
    return snapshot
