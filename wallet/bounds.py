"""Input bounds for amounts, rates and versions that reach the wallet from outside.

Every value the customer API or the trading core sends is checked here against the
currency's precision and the operator's plausibility limits (``wallet.conf``), so a bad
value is a 400 in the error contract, never a 500 and never a half-applied change.
Responses use :func:`canonical`: fixed-point with the currency's places, never ``0E-8``.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

import structlog

from core.errors import ApplicationError

from . import conf
from .errors import WalletErrorCode
from .models import Currency

logger = structlog.get_logger("madoguchi.wallet")

RATIO_PLACES = 4  # LeveragePosition.leverage_ratio / maintenance_ratio keep 4 decimals


def canonical(value: Decimal | int | None, currency: str | None = None, *, places: int | None = None) -> str:
    """``Decimal("0E-8")`` -> ``"0.00000000"``; ``1E+2`` -> ``"100.00000000"`` (BTC)."""
    if value is None:
        return ""
    digits = places if places is not None else conf.currency_places(currency or "")
    number = Decimal(value)
    try:
        number = number.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_DOWN)
    except InvalidOperation:  # more digits than the context holds: keep the exact value
        pass
    return f"{number:f}"


def places_of(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def amount_problems(
    value: Decimal, *, places: int, maximum: Decimal | None, minimum: Decimal = Decimal(0), strict_minimum: bool = False
) -> list[str]:
    """English problems with ``value`` (empty when it is within bounds)."""
    if not value.is_finite():
        return ["must be a finite decimal"]
    problems = []
    if places_of(value) > places:
        problems.append(f"at most {places} decimal places")
    if value < minimum or (strict_minimum and value == minimum):
        problems.append(f"must be {'greater than' if strict_minimum else 'at least'} {minimum}")
    if maximum is not None and value > maximum:
        problems.append(f"must be at most {canonical(maximum, places=0)} (plausibility limit)")
    return problems


def refuse(fields: dict[str, list[str]], *, where: str, message: str = "a value is out of range") -> ApplicationError:
    """The 400 for out-of-range input; logged with the field names (never the values)."""
    logger.warning("wallet.input_refused", where=where, fields=sorted(fields))
    return ApplicationError(WalletErrorCode.OUT_OF_RANGE, message, status=400, fields=fields)


def check_push_balances(balances: Iterable[Any], leverage: Any | None) -> None:
    """Trading-core balance push: per-currency precision and plausibility (all or nothing)."""
    fields: dict[str, list[str]] = {}
    for index, row in enumerate(balances):
        code = str(row.currency).upper()
        if code not in Currency.values:
            continue  # refused by the service as validation_failed (the existing contract)
        for name in ("available", "in_use"):
            problems = amount_problems(
                getattr(row, name), places=conf.currency_places(code), maximum=conf.max_balance(code)
            )
            if problems:
                fields[f"balances.{index}.{name}"] = problems
    if leverage is not None:
        for name, value in leverage.model_dump().items():
            if name in {"leverage_ratio", "maintenance_ratio"}:
                if value is None:
                    continue
                maximum = conf.max_leverage_ratio() if name == "leverage_ratio" else conf.max_maintenance_ratio()
                problems = amount_problems(value, places=RATIO_PLACES, maximum=maximum)
            else:
                code = name.rsplit("_", 1)[-1].upper()  # margin_jpy -> JPY, debt_btc -> BTC
                problems = amount_problems(value, places=conf.currency_places(code), maximum=conf.max_balance(code))
            if problems:
                fields[f"leverage.{name}"] = problems
    if fields:
        raise refuse(fields, where="internal.balances")


def check_push_rates(rates: Iterable[Any]) -> None:
    fields: dict[str, list[str]] = {}
    for index, row in enumerate(rates):
        code = str(row.currency).upper()
        if code not in Currency.values or code == Currency.JPY:
            continue  # refused by the service as validation_failed (the existing contract)
        problems = amount_problems(row.jpy, places=8, maximum=conf.max_rate_jpy(code), strict_minimum=True)
        if problems:
            fields[f"rates.{index}.jpy"] = problems
    if fields:
        raise refuse(fields, where="internal.rates")
