import datetime as dt

import pytest
from django.utils import translation

from support import defaults
from support.internal.calendar import JST
from support.internal.fields import CHOICE, FieldSpec, spec_from_dict, validate_inquiry

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=JST)


def specs(slug: str) -> list[FieldSpec]:
    category = next(c for c in defaults.CATEGORIES if c["slug"] == slug)
    return [spec_from_dict(f) for f in category["fields"]]


FUNDS_OK = {
    "tx_reference": "ＴＸ－１２３４５",
    "occurred_at": "2026/11/19 14:30",
    "currency": "JPY",
    "amount": "１０，０００",
    "bank_or_network": "みずほ銀行",
}


def test_complete_funds_inquiry_is_cleaned():
    # when
    result = validate_inquiry(
        specs=specs("funds"),
        fields=FUNDS_OK,
        description="入金が反映されません。確認をお願いします。",
        now=NOW,
        language="ja",
    )
    # then full-width input is folded, JST date stored in UTC, amount normalised
    assert result.ok, result.errors
    assert result.cleaned["tx_reference"] == "TX-12345"
    assert result.cleaned["occurred_at"] == "2026-11-19T05:30:00Z"
    assert result.cleaned["amount"] == "10000"
    assert result.cleaned["currency"] == "JPY"
    assert result.cleaned["description"].startswith("入金")


def test_missing_fields_are_reported_per_field_in_english():
    with translation.override("en"):
        result = validate_inquiry(specs=specs("funds"), fields={}, description="", now=NOW, language="en")
    assert set(result.errors) == {"tx_reference", "occurred_at", "currency", "amount", "bank_or_network", "description"}
    assert result.errors["tx_reference"] == ["Transaction ID or hash is required."]
    assert result.errors["description"] == ["Please describe what happened."]


def test_missing_fields_are_reported_in_japanese():
    with translation.override("ja"):
        result = validate_inquiry(specs=specs("funds"), fields={}, description="", now=NOW, language="ja")
    assert result.errors["amount"] == ["金額・数量は必須です。"]
    assert result.errors["description"] == ["お問い合わせ内容をご記入ください。"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("amount", "abc"),
        ("amount", "-5"),
        ("amount", "0"),
        ("occurred_at", "yesterday"),
        ("occurred_at", "2030-01-01 10:00"),
        ("occurred_at", "2001-01-01 10:00"),
        ("currency", "DOGE"),
        ("tx_reference", "line1\nline2"),
        ("tx_reference", "x" * 129),
        ("bank_or_network", ["not", "text"]),
    ],
)
def test_invalid_values_are_refused(key, value):
    fields = {**FUNDS_OK, key: value}
    with translation.override("en"):
        result = validate_inquiry(
            specs=specs("funds"), fields=fields, description="Long enough text", now=NOW, language="en"
        )
    assert list(result.errors) == [key]
    assert key not in result.cleaned


def test_choice_accepts_label_in_either_language():
    fields = {"failing_step": "SMS認証コード", "message_shown": "コードが違います"}
    result = validate_inquiry(
        specs=specs("sign_in"), fields=fields, description="SMSコードが使えません。", now=NOW, language="ja"
    )
    assert result.ok
    assert result.cleaned["failing_step"] == "sms_code"


def test_short_and_long_descriptions():
    with translation.override("en"):
        short = validate_inquiry(specs=[], fields={}, description="help", now=NOW, language="en")
        long = validate_inquiry(specs=[], fields={}, description="あ" * 10_001, now=NOW, language="en")
    assert "at least 10" in short.errors["description"][0]
    assert "too long" in long.errors["description"][0]


def test_optional_field_may_be_blank_and_unknown_keys_are_dropped():
    spec = FieldSpec(key="note", kind="text", label_ja="備考", label_en="Note", required=False)
    result = validate_inquiry(
        specs=[spec], fields={"note": "  ", "evil": "x"}, description="0123456789", now=NOW, language="en"
    )
    assert result.ok
    assert "note" not in result.cleaned and "evil" not in result.cleaned


def test_control_characters_are_stripped():
    spec = FieldSpec(key="note", kind="text", label_ja="備考", label_en="Note")
    result = validate_inquiry(
        specs=[spec], fields={"note": "a\x00b\x1bc"}, description="0123456789", now=NOW, language="en"
    )
    assert result.cleaned["note"] == "abc"


def test_spec_rejects_bad_definitions():
    with pytest.raises(ValueError):
        FieldSpec(key="x", kind=CHOICE, label_ja="x", label_en="x")
    with pytest.raises(ValueError):
        FieldSpec(key="Bad Key", kind="text", label_ja="x", label_en="x")
    with pytest.raises(ValueError):
        FieldSpec(key="x", kind="file", label_ja="x", label_en="x")
