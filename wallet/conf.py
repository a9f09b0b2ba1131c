"""Wallet settings, read lazily so tests can override them.

| setting | default | meaning |
|---|---|---|
| ``MADOGUCHI_WITHDRAWAL_ADDRESS_DELAY_HOURS`` | 24 | a new address is usable after this many hours |
| ``MADOGUCHI_REQUIRE_2FA_FOR_WITHDRAWAL`` | True | refuse withdrawals without TOTP or passkey |
| ``MADOGUCHI_WITHDRAWAL_RULES`` | see ``DEFAULT_RULES`` | fee, minimum and decimals per currency |
| ``MADOGUCHI_WITHDRAWAL_RATE_LIMIT`` | (20, 3600) | withdrawal requests per user per period (s) |
| ``MADOGUCHI_ADDRESS_RATE_LIMIT`` | (10, 3600) | address additions per user per period (s) |
| ``MADOGUCHI_MAX_WITHDRAWAL_ADDRESSES`` | 50 | saved addresses per user |
| ``MADOGUCHI_BTC_NETWORK`` | "mainnet" | "mainnet" or "testnet" address rules |
| ``MADOGUCHI_ETH_REQUIRE_CHECKSUM`` | True | refuse all-lower/upper ETH addresses (no EIP-55 checksum) |
| ``MADOGUCHI_WALLET_RATES_LOCAL_SECONDS`` | 1 | per-process memo of the rates, on top of the shared cache (0: off) |
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class WithdrawalRule:
    fee: Decimal
    minimum: Decimal
    places: int


DEFAULT_RULES: dict[str, dict[str, Any]] = {
    "BTC": {"fee": "0.0005", "minimum": "0.001", "places": 8},
    "ETH": {"fee": "0.005", "minimum": "0.01", "places": 8},
    "XRP": {"fee": "0.15", "minimum": "20", "places": 6},
}


def _get(name: str, default: Any) -> Any:
    return getattr(settings, f"MADOGUCHI_{name}", default)


def address_delay_hours() -> int:
    return int(_get("WITHDRAWAL_ADDRESS_DELAY_HOURS", 24))


def require_2fa_for_withdrawal() -> bool:
    return bool(_get("REQUIRE_2FA_FOR_WITHDRAWAL", True))


def withdrawal_rules() -> dict[str, WithdrawalRule]:
    raw = _get("WITHDRAWAL_RULES", DEFAULT_RULES)
    return {
        code.upper(): WithdrawalRule(
            fee=Decimal(str(rule["fee"])), minimum=Decimal(str(rule["minimum"])), places=int(rule["places"])
        )
        for code, rule in raw.items()
    }


def withdrawal_rule(currency: str) -> WithdrawalRule | None:
    return withdrawal_rules().get(currency.upper())


def withdrawal_rate_limit() -> tuple[int, int]:
    limit, period = _get("WITHDRAWAL_RATE_LIMIT", (20, 3600))
    return int(limit), int(period)


def address_rate_limit() -> tuple[int, int]:
    limit, period = _get("ADDRESS_RATE_LIMIT", (10, 3600))
    return int(limit), int(period)


def max_addresses() -> int:
    return int(_get("MAX_WITHDRAWAL_ADDRESSES", 50))


def btc_network() -> str:
    return str(_get("BTC_NETWORK", "mainnet"))


def eth_require_checksum() -> bool:
    return bool(_get("ETH_REQUIRE_CHECKSUM", True))


def rates_local_seconds() -> float:
    return float(_get("WALLET_RATES_LOCAL_SECONDS", 1.0))
