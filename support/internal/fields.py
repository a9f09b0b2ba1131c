"""Category-specific inquiry fields: definitions and server-side validation (pure).

Field definitions are operator-editable data (``support.CategoryField`` rows); this module
works on plain :class:`FieldSpec` values so the rules are testable without a database
and identical for the web form and the JSON API.

Input help for Japanese customers: full-width digits/letters are folded (NFKC) in IDs,
amounts and dates, thousands separators are accepted in amounts, and a date/time without
an offset is read as JST (what a customer in Japan means by "14:30").
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from support.internal.calendar import JST

TEXT = "text"
TEXTAREA = "textarea"
DATETIME = "datetime"
DECIMAL = "decimal"
CHOICE = "choice"
KINDS = (TEXT, TEXTAREA, DATETIME, DECIMAL, CHOICE)

DEFAULT_MAX_LENGTH = {TEXT: 200, TEXTAREA: 5000, DATETIME: 40, DECIMAL: 40, CHOICE: 40}
DESCRIPTION_MAX_LENGTH = 10_000
DESCRIPTION_MIN_LENGTH = 10
# A date/time more than this far in the future is a typo (clock skew tolerance).
FUTURE_TOLERANCE = dt.timedelta(minutes=10)
OLDEST_ACCEPTED = dt.timedelta(days=365 * 10)
MAX_DECIMAL_PLACES = 18

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %H時%M分",
    "%Y年%m月%d日%H時%M分",
    "%Y年%m月%d日%H:%M",
)


@dataclass(frozen=True)
class Choice:
    value: str
    label_ja: str
    label_en: str

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_ja


@dataclass(frozen=True)
class FieldSpec:
    key: str
    kind: str
    label_ja: str
    label_en: str
    required: bool = True
    help_ja: str = ""
    help_en: str = ""
    max_length: int | None = None
    choices: tuple[Choice, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")
        if self.kind == CHOICE and not self.choices:
            raise ValueError("a choice field needs choices")
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", self.key):
            raise ValueError(f"invalid field key {self.key!r}")

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_ja

    def help(self, language: str) -> str:
        return self.help_en if language == "en" else self.help_ja

    @property
    def limit(self) -> int:
        return self.max_length or DEFAULT_MAX_LENGTH[self.kind]


@dataclass
class ValidationResult:
    cleaned: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)


def normalise_text(value: str) -> str:
    """Strip control characters and surrounding whitespace; keep the customer's script."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n"))
    return value.strip()


def fold(value: str) -> str:
    """NFKC (full-width ｘｙｚ１２３ → xyz123, ideographic space → space) and trim."""
    return unicodedata.normalize("NFKC", normalise_text(value)).strip()


def parse_datetime(raw: str) -> dt.datetime | None:
    value = fold(raw)
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for fmt in _DATETIME_FORMATS:
            try:
                parsed = dt.datetime.strptime(value, fmt)  # noqa: DTZ007 - JST applied below
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=JST)
    return parsed


def parse_decimal(raw: str) -> Decimal | None:
    value = fold(raw).replace(",", "").replace("_", "").replace(" ", "")
    if not re.fullmatch(r"\d+(\.\d+)?", value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - regex already guards
        return None


def _as_text(value: Any) -> str | None:
    if value is None:
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, (str, int, float, Decimal)):
        return str(value)
    return None


def clean_field(spec: FieldSpec, raw: Any, *, now: dt.datetime, language: str) -> tuple[str, str | None]:
    """Return (cleaned value, error message or None) for one field."""
    label = spec.label(language)
    text = _as_text(raw)
    if text is None:
        return "", _("%(field)s: enter text.") % {"field": label}
    text = normalise_text(text)
    if not text:
        if spec.required:
            return "", _("%(field)s is required.") % {"field": label}
        return "", None
    if len(text) > spec.limit:
        return "", _("%(field)s is too long (at most %(limit)s characters).") % {
            "field": label,
            "limit": spec.limit,
        }
    if spec.kind == TEXTAREA:
        return text, None
    if spec.kind == TEXT:
        if "\n" in text:
            return "", _("%(field)s must be a single line.") % {"field": label}
        return fold(text), None
    if spec.kind == CHOICE:
        folded = fold(text)
        for choice in spec.choices:
            if folded in (choice.value, fold(choice.label_ja), fold(choice.label_en)):
                return choice.value, None
        return "", _("%(field)s: choose one of the listed options.") % {"field": label}
    if spec.kind == DECIMAL:
        amount = parse_decimal(text)
        if amount is None:
            return "", _("%(field)s: enter a number such as 1,000 or 0.005.") % {"field": label}
        if amount <= 0:
            return "", _("%(field)s must be greater than zero.") % {"field": label}
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MAX_DECIMAL_PLACES:
            return "", _("%(field)s has too many decimal places.") % {"field": label}
        return format(amount.normalize(), "f"), None
    # DATETIME
    moment = parse_datetime(text)
    if moment is None:
        return "", _("%(field)s: enter a date and time such as 2026-11-20 14:30 (JST).") % {"field": label}
    if moment > now + FUTURE_TOLERANCE:
        return "", _("%(field)s is in the future. Please check the date and time.") % {"field": label}
    if moment < now - OLDEST_ACCEPTED:
        return "", _("%(field)s is too far in the past. Please check the year.") % {"field": label}
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"), None


def validate_inquiry(
    *,
    specs: Sequence[FieldSpec],
    fields: Mapping[str, Any] | None,
    description: Any,
    now: dt.datetime,
    language: str,
) -> ValidationResult:
    """Validate the category fields and the description; unknown keys are ignored.

    Error keys: the field key, or ``description``. Messages are in the active language
    (callers wrap this in ``translation.override(language)``); ``language`` chooses the
    operator-written field label.
    """
    result = ValidationResult()
    data = fields if isinstance(fields, Mapping) else {}
    for spec in specs:
        value, error = clean_field(spec, data.get(spec.key), now=now, language=language)
        if error:
            result.add(spec.key, error)
        elif value:
            result.cleaned[spec.key] = value
    desc = normalise_text(_as_text(description) or "")
    if not desc:
        result.add("description", _("Please describe what happened."))
    elif len(desc) < DESCRIPTION_MIN_LENGTH:
        result.add(
            "description",
            _("Please describe what happened in a little more detail (at least %(min)s characters).")
            % {"min": DESCRIPTION_MIN_LENGTH},
        )
    elif len(desc) > DESCRIPTION_MAX_LENGTH:
        result.add(
            "description",
            _("The description is too long (at most %(limit)s characters).") % {"limit": DESCRIPTION_MAX_LENGTH},
        )
    else:
        result.cleaned["description"] = desc
    return result


def spec_from_dict(data: Mapping[str, Any]) -> FieldSpec:
    return FieldSpec(
        key=data["key"],
        kind=data["kind"],
        label_ja=data["label_ja"],
        label_en=data["label_en"],
        required=data.get("required", True),
        help_ja=data.get("help_ja", ""),
        help_en=data.get("help_en", ""),
        max_length=data.get("max_length"),
        choices=tuple(
            Choice(value=c["value"], label_ja=c["label_ja"], label_en=c["label_en"]) for c in data.get("choices", ())
        ),
    )
