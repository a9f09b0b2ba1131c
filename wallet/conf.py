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
| ``MADOGUCHI_WITHDRAWAL_DAILY_LIMIT`` | BTC 10, ETH 200, XRP 500000 | per customer per JST day |
| ``MADOGUCHI_WITHDRAWAL_MONTHLY_LIMIT`` | BTC 100, ETH 2000, XRP 5000000 | per JST calendar month |
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


# Withdrawal limits in the currency's own units (the amount sent; the fee is not counted).
# Pending and sent withdrawals count; failed and cancelled ones do not (their funds came back).
DEFAULT_DAILY_LIMIT: dict[str, str] = {"BTC": "10", "ETH": "200", "XRP": "500000"}
DEFAULT_MONTHLY_LIMIT: dict[str, str] = {"BTC": "100", "ETH": "2000", "XRP": "5000000"}


def withdrawal_daily_limit(currency: str) -> Decimal | None:
    return _decimal_map("WITHDRAWAL_DAILY_LIMIT", DEFAULT_DAILY_LIMIT).get(currency.upper())


def withdrawal_monthly_limit(currency: str) -> Decimal | None:
    return _decimal_map("WITHDRAWAL_MONTHLY_LIMIT", DEFAULT_MONTHLY_LIMIT).get(currency.upper())


def rates_local_seconds() -> float:
    return float(_get("WALLET_RATES_LOCAL_SECONDS", 1.0))


# --------------------------------------------------------------------------- input bounds
# Precision and plausibility limits for amounts that reach the wallet from the outside
# (customer withdrawals, trading-core pushes). Values beyond them are refused with a 400;
# the limits are operator settings, not facts about the currencies.

# Decimal places accepted per currency (the database keeps 8).
DEFAULT_PLACES: dict[str, int] = {"JPY": 8, "BTC": 8, "ETH": 8, "XRP": 6}
# Largest plausible balance (available or in use) per account, per currency.
DEFAULT_MAX_BALANCE: dict[str, str] = {
    "JPY": "10000000000000",  # 10 trillion yen
    "BTC": "21000000",
    "ETH": "1000000000",
    "XRP": "100000000000",
}
# Largest plausible rate (JPY per unit) the trading core may push.
DEFAULT_MAX_RATE_JPY: dict[str, str] = {"BTC": "10000000000", "ETH": "1000000000", "XRP": "1000000"}
# Versions pushed by the trading core: 1 <= version <= MAX_VERSION (2**53 - 1, exact in
# every JSON parser). A bad version can be undone with ``manage.py wallet_core_version_reset``.
MAX_VERSION = 2**53 - 1
# Database ids (path and query parameters): BIGINT.
MAX_ID = 2**63 - 1


def _decimal_map(name: str, default: dict[str, str]) -> dict[str, Decimal]:
    raw = {**default, **{k.upper(): v for k, v in dict(_get(name, {})).items()}}
    return {code: Decimal(str(value)) for code, value in raw.items()}


def currency_places(currency: str) -> int:
    places = {**DEFAULT_PLACES, **{k.upper(): int(v) for k, v in dict(_get("WALLET_PLACES", {})).items()}}
    return int(places.get(currency.upper(), 8))


def max_balance(currency: str) -> Decimal | None:
    return _decimal_map("WALLET_MAX_BALANCE", DEFAULT_MAX_BALANCE).get(currency.upper())


def max_rate_jpy(currency: str) -> Decimal | None:
    return _decimal_map("WALLET_MAX_RATE_JPY", DEFAULT_MAX_RATE_JPY).get(currency.upper())


def max_leverage_ratio() -> Decimal:
    return Decimal(str(_get("WALLET_MAX_LEVERAGE_RATIO", "1000")))


def max_maintenance_ratio() -> Decimal:
    """Percent."""
    return Decimal(str(_get("WALLET_MAX_MAINTENANCE_RATIO", "1000000")))
