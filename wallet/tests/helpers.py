"""Wallet test helpers: funding through the ledger, saved addresses, consistency checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

SECRET = "JBSWY3DPEHPK3PXP"
BTC_ADDRESS = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
ETH_ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
XRP_ADDRESS = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"


def fund(user: Any, currency: str, available: str, in_use: str = "0") -> None:
    from django.db import transaction

    from wallet.internal import ledger

    with transaction.atomic():
        balance = ledger.lock(user_id=user.pk, currency=currency)
        ledger.post(
            balance=balance,
            kind="deposit",
            available_delta=Decimal(available),
            in_use_delta=Decimal(in_use),
            reference="test",
        )


def usable_address(user: Any, currency: str = "BTC", address: str = BTC_ADDRESS, tag: int | None = None) -> Any:
    from django.utils import timezone

    from wallet.models import WithdrawalAddress

    now = timezone.now()
    return WithdrawalAddress.objects.create(
        user=user,
        currency=currency,
        address=address,
        destination_tag=tag,
        label="test",
        created_at=now - dt.timedelta(days=2),
        usable_at=now - dt.timedelta(days=1),
    )


def balance_of(user: Any, currency: str) -> tuple[Decimal, Decimal]:
    from wallet.models import Balance

    row = Balance.objects.filter(user=user, currency=currency).first()
    return (row.available, row.in_use) if row else (Decimal(0), Decimal(0))


def assert_ledger_consistent() -> None:
    from wallet.internal.ledger import mismatches
    from wallet.models import Balance

    assert mismatches() == []
    assert not Balance.objects.filter(available__lt=0).exists()
    assert not Balance.objects.filter(in_use__lt=0).exists()
