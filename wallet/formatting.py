"""Money and ratio formatting (pure functions; the template filters wrap these).

Rules (product spec section 7):
- yen: ``¥`` + thousands separators, no trailing zero decimals (``¥1,234,567``);
  amounts are truncated toward zero to ``places`` decimals (whole yen by default), the
  way Japanese exchanges display valuations;
- crypto: up to 8 decimals, trailing zeros trimmed (``0.00012300`` -> ``0.000123``),
  thousands separators in the integer part;
- margin maintenance ratio: a percentage with one decimal (``152.3%``), or ``N/A`` when
  there is no open position (``None``).

Both languages use the same digits and symbols; only ``N/A`` and the leverage suffix
are translated, and the callers pass those in (so this module needs no Django).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation

__all__ = [
    "CRYPTO_PLACES",
    "format_amount",
    "format_crypto",
    "format_jpy",
    "format_leverage",
    "format_number",
    "format_percent",
    "to_decimal",
    "trim_decimal",
]

CRYPTO_PLACES = 8
NA = "N/A"


def to_decimal(value: object) -> Decimal:
    """Accept Decimal, int or a decimal string. Floats are refused (never money)."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise TypeError("bool is not an amount")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal: {value!r}") from exc
    else:
        raise TypeError(f"amounts must be Decimal, int or str, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError("amount must be finite")
    return result


def trim_decimal(value: Decimal, places: int) -> Decimal:
    """Truncate toward zero to ``places`` decimals and drop trailing zeros (no exponent)."""
    quantum = Decimal(1).scaleb(-places)
    truncated = value.quantize(quantum, rounding=ROUND_DOWN)
    if truncated == 0:
        return Decimal(0)
    text = f"{truncated:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return Decimal(text)


def format_number(value: object, *, places: int, grouping: bool = True) -> str:
    """Truncated, trimmed, with ``,`` thousands separators in the integer part."""
    trimmed = trim_decimal(to_decimal(value), places)
    sign = "-" if trimmed < 0 else ""
    text = f"{abs(trimmed):f}"
    whole, _, frac = text.partition(".")
    if grouping:
        whole = f"{int(whole):,}"
    return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"


def format_jpy(value: object, *, places: int = 0, symbol: bool = True) -> str:
    """``¥1,234,567``; ``places`` > 0 keeps up to that many decimals (rates), trimmed."""
    text = format_number(value, places=places)
    if not symbol:
        return text
    if text.startswith("-"):
        return f"-¥{text[1:]}"
    return f"¥{text}"


def format_crypto(value: object, currency: str = "", *, places: int = CRYPTO_PLACES) -> str:
    """``0.000123`` (or ``0.000123 BTC`` when ``currency`` is given)."""
    text = format_number(value, places=places)
    return f"{text} {currency}" if currency else text


def format_amount(value: object, currency: str, *, with_code: bool = False) -> str:
    """Yen rules for JPY, crypto rules otherwise."""
    if currency.upper() == "JPY":
        return format_jpy(value)
    return format_crypto(value, currency.upper() if with_code else "")


def format_percent(value: object | None, *, na: str = NA) -> str:
    """Maintenance ratio: one decimal, always shown (``150.0%``); ``None`` -> ``N/A``."""
    if value is None or value == "":
        return na
    quantum = Decimal("0.1")
    number = to_decimal(value).quantize(quantum, rounding=ROUND_DOWN)
    sign = "-" if number < 0 else ""
    whole, _, frac = f"{abs(number):f}".partition(".")
    return f"{sign}{int(whole):,}.{frac or '0'}%"


def format_leverage(value: object | None, *, suffix: str = "x", na: str = NA) -> str:
    """Leverage ratio, up to 2 decimals trimmed: ``2.5x`` (ja: ``2.5倍``)."""
    if value is None or value == "":
        return na
    return f"{format_number(value, places=2)}{suffix}"
