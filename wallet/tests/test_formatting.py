from decimal import Decimal

import pytest

from wallet.formatting import (
    format_amount,
    format_crypto,
    format_jpy,
    format_leverage,
    format_percent,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234567"), "¥1,234,567"),
        (Decimal("1234567.0"), "¥1,234,567"),
        (Decimal("1234567.00000000"), "¥1,234,567"),
        (Decimal("1234567.99"), "¥1,234,567"),  # truncated, never rounded up
        (Decimal("0"), "¥0"),
        (Decimal("-0.4"), "¥0"),
        (Decimal("999"), "¥999"),
        (Decimal("1000"), "¥1,000"),
        (Decimal("-1234"), "-¥1,234"),
        (12345678901234, "¥12,345,678,901,234"),
        ("1234567", "¥1,234,567"),
        (Decimal("1E+3"), "¥1,000"),
    ],
)
def test_format_jpy_vectors(value, expected):
    assert format_jpy(value) == expected


def test_format_jpy_keeps_significant_decimals_for_rates():
    assert format_jpy(Decimal("85.120"), places=3) == "¥85.12"
    assert format_jpy(Decimal("15234567.000"), places=3) == "¥15,234,567"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.00012300"), "0.000123"),
        (Decimal("0.00000001"), "0.00000001"),
        (Decimal("0.000000019"), "0.00000001"),  # 9th decimal truncated
        (Decimal("0.000000009"), "0"),
        (Decimal("1.50000000"), "1.5"),
        (Decimal("2"), "2"),
        (Decimal("12345.6789"), "12,345.6789"),
        (Decimal("1E-8"), "0.00000001"),
        (Decimal("0E-8"), "0"),
        (Decimal("-0.5"), "-0.5"),
    ],
)
def test_format_crypto_vectors(value, expected):
    assert format_crypto(value) == expected


def test_format_crypto_with_code():
    assert format_crypto(Decimal("0.00012300"), "BTC") == "0.000123 BTC"


def test_format_amount_dispatches_on_currency():
    assert format_amount(Decimal("1234567.0"), "JPY") == "¥1,234,567"
    assert format_amount(Decimal("0.00012300"), "btc", with_code=True) == "0.000123 BTC"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "N/A"),
        (Decimal("152.3"), "152.3%"),
        (Decimal("152.34"), "152.3%"),
        (Decimal("152.39"), "152.3%"),
        (Decimal("150"), "150.0%"),
        (Decimal("1234.5"), "1,234.5%"),
        ("80", "80.0%"),
    ],
)
def test_format_percent_vectors(value, expected):
    assert format_percent(value) == expected


def test_format_percent_na_is_replaceable_by_translation():
    assert format_percent(None, na="該当なし") == "該当なし"


def test_format_leverage():
    assert format_leverage(Decimal("2.50")) == "2.5x"
    assert format_leverage(Decimal("2"), suffix="倍") == "2倍"
    assert format_leverage(None) == "N/A"


@pytest.mark.parametrize("bad", [1.5, True, None, object()])
def test_floats_and_other_types_are_refused(bad):
    with pytest.raises(TypeError):
        format_jpy(bad)


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity"])
def test_non_numbers_are_refused(bad):
    with pytest.raises(ValueError):
        format_crypto(bad)
