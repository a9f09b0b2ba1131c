"""Demo data (embedded default only): rates, taro's balances, leverage position, saved
addresses and withdrawal history, and a little for hanako. Idempotent: balances are set
through the ledger only when the demo has not been loaded yet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .internal import ledger, snapshot
from .models import LedgerEntry, LeveragePosition, Rate, Withdrawal, WithdrawalAddress

DEMO_REFERENCE = "demo:initial"

RATES = {"BTC": Decimal("15234567.5"), "ETH": Decimal("523456.25"), "XRP": Decimal("85.123")}

TARO_BALANCES = {
    "JPY": (Decimal("1234567"), Decimal("150000")),
    "BTC": (Decimal("0.52345678"), Decimal("0.01000000")),
    "ETH": (Decimal("3.25000000"), Decimal("0")),
    "XRP": (Decimal("1500.000000"), Decimal("250")),
}
HANAKO_BALANCES = {
    "JPY": (Decimal("50000"), Decimal("0")),
    "BTC": (Decimal("0.00012300"), Decimal("0")),
}

TARO_ADDRESSES = [
    ("BTC", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", None, "My hardware wallet"),
    ("ETH", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", None, "MetaMask"),
    ("XRP", "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", 12345, "Other exchange"),
]


def _set_balances(user_id: int, figures: dict[str, tuple[Decimal, Decimal]]) -> None:
    for currency, (available, in_use) in figures.items():
        balance = ledger.lock(user_id=user_id, currency=currency)
        ledger.post(
            balance=balance,
            kind=LedgerEntry.Kind.DEPOSIT,
            available_delta=available - balance.available,
            in_use_delta=in_use - balance.in_use,
            reference=DEMO_REFERENCE,
        )


@transaction.atomic
def load() -> None:
    now = timezone.now()
    for currency, jpy in RATES.items():
        Rate.objects.update_or_create(currency=currency, defaults={"jpy": jpy, "as_of": now})

    users = get_user_model().objects
    taro = users.filter(email="taro@example.jp").first()
    if taro is not None and not LedgerEntry.objects.filter(user=taro, reference=DEMO_REFERENCE).exists():
        _set_balances(taro.pk, TARO_BALANCES)
        LeveragePosition.objects.update_or_create(
            user=taro,
            defaults={
                "margin_jpy": Decimal("300000"),
                "margin_btc": Decimal("0.01969190"),
                "withdrawable_jpy": Decimal("120000"),
                "withdrawable_btc": Decimal("0.00787676"),
                "available_jpy": Decimal("180000"),
                "available_btc": Decimal("0.01181514"),
                "debt_jpy": Decimal("0"),
                "debt_btc": Decimal("0"),
                "leverage_ratio": Decimal("2"),
                "maintenance_ratio": Decimal("152.3"),
            },
        )
        created = {}
        for currency, address, tag, label in TARO_ADDRESSES:
            created[currency], _ = WithdrawalAddress.objects.get_or_create(
                user=taro,
                currency=currency,
                address=address,
                destination_tag=tag,
                removed_at=None,
                defaults={
                    "label": label,
                    "created_at": now - dt.timedelta(days=30),
                    "usable_at": now - dt.timedelta(days=29),
                },
            )
        history = [
            ("BTC", Decimal("0.05"), Decimal("0.0005"), Withdrawal.Status.SENT, 20),
            ("ETH", Decimal("0.5"), Decimal("0.005"), Withdrawal.Status.FAILED, 12),
            ("XRP", Decimal("100"), Decimal("0.15"), Withdrawal.Status.SENT, 3),
        ]
        for currency, amount, fee, status, days_ago in history:
            when = now - dt.timedelta(days=days_ago)
            Withdrawal.objects.create(
                user=taro,
                currency=currency,
                amount=amount,
                fee=fee,
                address=created[currency],
                address_text=created[currency].address,
                destination_tag=created[currency].destination_tag,
                status=status,
                txid=f"demo-{currency.lower()}-{days_ago:02d}" if status == Withdrawal.Status.SENT else "",
                failure_reason="" if status == Withdrawal.Status.SENT else "Network congestion (demo)",
                created_at=when,
                completed_at=when + dt.timedelta(minutes=40),
            )
        snapshot.invalidate(taro.pk)
    hanako = users.filter(email="hanako@example.jp").first()
    if hanako is not None and not LedgerEntry.objects.filter(user=hanako, reference=DEMO_REFERENCE).exists():
        _set_balances(hanako.pk, HANAKO_BALANCES)
