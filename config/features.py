"""Feature settings from the environment, each parsed and checked at start.

Every operator-facing feature setting (fees, minimums, holds, delays, limits, TTLs, …) can be
set as an environment variable of the same name. A variable that is not set leaves the app's
own default in force (``<app>/conf.py``), so ``override_settings`` keeps working in tests; a
variable that is set but malformed or out of range stops the start with one message that
lists every bad value (``ImproperlyConfigured``).

Formats:
- whole numbers and decimals as usual (``24``, ``0.5``); booleans ``1/0``, ``true/false``,
  ``yes/no``, ``on/off``;
- rate limits ``<count>/<seconds>`` (``20/3600``);
- desk hours ``HH:MM-HH:MM`` (``09:00-18:00``);
- per-currency maps ``BTC=21000000,ETH=1000000000`` (the listed currencies only; the others
  keep their defaults);
- withdrawal rules as JSON: ``{"BTC": {"fee": "0.0005", "minimum": "0.001", "places": 8}}``.

``README.md`` lists the table (``markdown_table()`` prints it; a test keeps them in step).
No Django import here: ``config/settings.py`` calls :func:`read` while settings load.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

CURRENCIES = ("JPY", "BTC", "ETH", "XRP")
CRYPTO = ("BTC", "ETH", "XRP")
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class Invalid(ValueError):
    """A value that does not parse; the message says what was expected."""


# --------------------------------------------------------------------------- parsers


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise Invalid("expected 1/0, true/false, yes/no or on/off")


def integer(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw.strip().replace("_", ""))
        except ValueError:
            raise Invalid(f"expected a whole number from {low} to {high}") from None
        if not low <= value <= high:
            raise Invalid(f"expected a whole number from {low} to {high}")
        return value

    parse.expected = f"{low}–{high}"  # type: ignore[attr-defined]
    return parse


def number(low: float, high: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw.strip())
        except ValueError:
            raise Invalid(f"expected a number from {low} to {high}") from None
        if not low <= value <= high:  # also refuses nan
            raise Invalid(f"expected a number from {low} to {high}")
        return value

    return parse


def _decimal(raw: str, *, low: Decimal = Decimal(0), high: Decimal | None = None, what: str = "value") -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise Invalid(f"{what}: expected a decimal number") from None
    if not value.is_finite() or value < low or (high is not None and value > high):
        bound = f"from {low:f} to {high:f}" if high is not None else f"of at least {low:f}"
        raise Invalid(f"{what}: expected a decimal {bound}")
    return value


def decimal(low: str, high: str | None = None) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        return str(_decimal(raw, low=Decimal(low), high=Decimal(high) if high else None))

    return parse


def choice(*values: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        if value not in values:
            raise Invalid(f"expected one of {', '.join(values)}")
        return value

    return parse


def text(max_length: int = 200, pattern: str | None = None) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        if len(value) > max_length or (pattern and value and not re.fullmatch(pattern, value)):
            raise Invalid(f"expected {'text matching ' + pattern if pattern else 'text'} (at most {max_length} chars)")
        return value

    return parse


DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+"


def rate(max_count: int = 100_000, max_seconds: int = 7 * 24 * 3600) -> Callable[[str], tuple[int, int]]:
    def parse(raw: str) -> tuple[int, int]:
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", raw)
        if not match:
            raise Invalid("expected <count>/<seconds>, e.g. 20/3600")
        count, seconds = int(match[1]), int(match[2])
        if not (1 <= count <= max_count and 1 <= seconds <= max_seconds):
            raise Invalid(f"expected a count from 1 to {max_count} per 1 to {max_seconds} seconds")
        return count, seconds

    return parse


def hours(raw: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*(\d\d:\d\d)\s*-\s*(\d\d:\d\d)\s*", raw)
    try:
        if not match:
            raise ValueError
        opens, closes = dt.time.fromisoformat(match[1]), dt.time.fromisoformat(match[2])
    except ValueError:
        raise Invalid("expected HH:MM-HH:MM, e.g. 09:00-18:00") from None
    if opens >= closes:
        raise Invalid("the desk must open before it closes (HH:MM-HH:MM)")
    return match[1], match[2]


def currency_map(values: Callable[[str, str], Any], currencies: tuple[str, ...] = CURRENCIES) -> Callable[[str], dict]:
    def parse(raw: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for item in (part.strip() for part in raw.split(",")):
            if not item:
                continue
            code, sep, value = item.partition("=")
            code = code.strip().upper()
            if not sep or code not in currencies:
                raise Invalid(f"expected CODE=value pairs with CODE one of {', '.join(currencies)}")
            out[code] = values(code, value.strip())
        return out

    return parse


def keyed_integers(keys: tuple[str, ...], low: int, high: int) -> Callable[[str], dict[str, int]]:
    """``name=count`` pairs, e.g. ``anonymous=3,account=5`` (names from ``keys``)."""

    def parse(raw: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for item in (part.strip() for part in raw.split(",")):
            if not item:
                continue
            key, sep, value = item.partition("=")
            key = key.strip().lower()
            if not sep or key not in keys:
                raise Invalid(f"expected name=count pairs with name one of {', '.join(keys)}")
            out[key] = integer(low, high)(value)
        return out

    return parse


def _places(code: str, value: str) -> int:
    return integer(0, 8)(value)


def _positive_decimal(code: str, value: str) -> str:
    return str(_decimal(value, low=Decimal("0.00000001"), what=code))


def withdrawal_rules(raw: str) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise Invalid('expected JSON, e.g. {"BTC": {"fee": "0.0005", "minimum": "0.001", "places": 8}}') from None
    if not isinstance(data, dict) or not data:
        raise Invalid("expected a JSON object of currencies")
    out: dict[str, dict[str, Any]] = {}
    for code, rule in data.items():
        code = str(code).upper()
        if code not in CRYPTO:
            raise Invalid(f"{code}: withdrawals exist for {', '.join(CRYPTO)} only")
        if not isinstance(rule, dict) or set(rule) != {"fee", "minimum", "places"}:
            raise Invalid(f"{code}: expected exactly fee, minimum and places")
        if isinstance(rule["fee"], float) or isinstance(rule["minimum"], float):
            raise Invalid(f"{code}: write fee and minimum as strings (decimals, never floats)")
        if not isinstance(rule["places"], int) or isinstance(rule["places"], bool) or not 0 <= rule["places"] <= 8:
            raise Invalid(f"{code}: places must be a whole number from 0 to 8")
        fee = _decimal(str(rule["fee"]), what=f"{code} fee")
        minimum = _decimal(str(rule["minimum"]), low=Decimal("0.00000001"), what=f"{code} minimum")
        for name, value in (("fee", fee), ("minimum", minimum)):
            exponent = value.as_tuple().exponent
            if isinstance(exponent, int) and -exponent > rule["places"]:
                raise Invalid(f"{code}: {name} has more than {rule['places']} decimal places")
        out[code] = {"fee": str(fee), "minimum": str(minimum), "places": rule["places"]}
    return out


def url_map(raw: str) -> dict[str, str]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        raise Invalid('expected a JSON object, e.g. {"inquiry": "https://support.example/new"}') from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise Invalid("expected a JSON object of strings")
    return data


def existing_file(raw: str) -> str:
    value = raw.strip()
    if value and not Path(value).is_file():
        raise Invalid("no such file")
    return value


# --------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Feature:
    name: str
    parse: Callable[[str], Any]
    default: str  # as an operator would write it in the environment
    meaning: str


MiB = 1024 * 1024
DEFAULT_RULES_JSON = (
    '{"BTC": {"fee": "0.0005", "minimum": "0.001", "places": 8}, '
    '"ETH": {"fee": "0.005", "minimum": "0.01", "places": 8}, '
    '"XRP": {"fee": "0.15", "minimum": "20", "places": 6}}'
)
F = Feature
FEATURES: tuple[Feature, ...] = (
    # wallet (wallet/conf.py, docs/wallet.md)
    F(
        "MADOGUCHI_WITHDRAWAL_ADDRESS_DELAY_HOURS",
        integer(0, 720),
        "24",
        "a new withdrawal address is usable after this many hours",
    ),
    F(
        "MADOGUCHI_REQUIRE_2FA_FOR_WITHDRAWAL",
        parse_bool,
        "1",
        "refuse withdrawals without an authenticator or passkey",
    ),
    F(
        "MADOGUCHI_WITHDRAWAL_RULES",
        withdrawal_rules,
        DEFAULT_RULES_JSON,
        "fee, minimum and decimal places per currency (JSON; replaces the whole table)",
    ),
    F("MADOGUCHI_WITHDRAWAL_RATE_LIMIT", rate(), "20/3600", "withdrawal requests per customer per period (s)"),
    F("MADOGUCHI_ADDRESS_RATE_LIMIT", rate(), "10/3600", "withdrawal-address additions per customer per period (s)"),
    F("MADOGUCHI_MAX_WITHDRAWAL_ADDRESSES", integer(1, 1000), "50", "saved withdrawal addresses per customer"),
    F(
        "MADOGUCHI_WITHDRAWAL_DAILY_LIMIT",
        currency_map(_positive_decimal, CRYPTO),
        "BTC=10,ETH=200,XRP=500000",
        "amount a customer may withdraw per JST day, per currency (pending and sent count)",
    ),
    F(
        "MADOGUCHI_WITHDRAWAL_MONTHLY_LIMIT",
        currency_map(_positive_decimal, CRYPTO),
        "BTC=100,ETH=2000,XRP=5000000",
        "amount a customer may withdraw per JST calendar month, per currency",
    ),
    F("MADOGUCHI_BTC_NETWORK", choice("mainnet", "testnet"), "mainnet", "address rules for BTC"),
    F("MADOGUCHI_ETH_REQUIRE_CHECKSUM", parse_bool, "1", "refuse ETH addresses without an EIP-55 checksum"),
    F("MADOGUCHI_WALLET_RATES_LOCAL_SECONDS", number(0, 60), "1", "per-process memo of the rates (0: off)"),
    F(
        "MADOGUCHI_WALLET_PLACES",
        currency_map(_places),
        "JPY=8,BTC=8,ETH=8,XRP=6",
        "decimal places accepted and shown per currency (API input bounds)",
    ),
    F(
        "MADOGUCHI_WALLET_MAX_BALANCE",
        currency_map(_positive_decimal),
        "JPY=10000000000000,BTC=21000000,ETH=1000000000,XRP=100000000000",
        "plausibility limit of a pushed balance and of a withdrawal, per currency",
    ),
    F(
        "MADOGUCHI_WALLET_MAX_RATE_JPY",
        currency_map(_positive_decimal, CRYPTO),
        "BTC=10000000000,ETH=1000000000,XRP=1000000",
        "plausibility limit of a pushed rate (JPY per unit)",
    ),
    F(
        "MADOGUCHI_WALLET_MAX_LEVERAGE_RATIO",
        decimal("1", "99999999"),
        "1000",
        "plausibility limit of a pushed leverage ratio",
    ),
    F(
        "MADOGUCHI_WALLET_MAX_MAINTENANCE_RATIO",
        decimal("1", "9999999999"),
        "1000000",
        "plausibility limit of a pushed maintenance ratio (percent)",
    ),
    # mfa (mfa/conf.py, docs/mfa.md)
    F("MADOGUCHI_MFA_TOTP_WINDOW", integer(0, 2), "1", "TOTP steps accepted either side of now (RFC 6238: at most 1)"),
    F("MADOGUCHI_MFA_DRIFT_WINDOW", integer(0, 120), "20", "steps examined for the clock-drift hint"),
    F(
        "MADOGUCHI_MFA_LOCK_AFTER_FAILURES",
        integer(1, 1000),
        "20",
        "consecutive wrong codes before the second factor locks",
    ),
    F("MADOGUCHI_MFA_RATE_ACCOUNT", rate(), "10/300", "code attempts per account per period (s)"),
    F("MADOGUCHI_MFA_RATE_IP", rate(), "30/300", "code attempts per client address per period (s)"),
    F(
        "MADOGUCHI_MFA_RECOVERY_CODES_FOR_WITHDRAWALS",
        parse_bool,
        "0",
        "may recovery codes authorise withdrawals and new addresses",
    ),
    F("MADOGUCHI_MFA_REQUIRE_PASSKEY", parse_bool, "0", "require a passkey (not a code) for sensitive actions"),
    F(
        "MADOGUCHI_MFA_ENROLMENT_REQUIRED",
        parse_bool,
        "1",
        "prompt customers without an authenticator and block their withdrawals "
        "(follows MADOGUCHI_REQUIRE_2FA_FOR_WITHDRAWAL when unset)",
    ),
    F("MADOGUCHI_MFA_SMS_CODE_TTL", integer(60, 3600), "600", "seconds an SMS code is valid"),
    F("MADOGUCHI_MFA_SMS_MAX_TRIES", integer(1, 20), "5", "tries per SMS code"),
    F("MADOGUCHI_MFA_SMS_RESEND_COOLDOWN", integer(0, 3600), "60", "seconds before another SMS code may be sent"),
    F("MADOGUCHI_MFA_SMS_HOURLY_CAP", integer(1, 100), "5", "sign-in SMS codes per customer per clock hour"),
    F(
        "MADOGUCHI_MFA_SMS_CAPS",
        keyed_integers(("anonymous", "account", "verify", "recovery"), 1, 100),
        "anonymous=3,account=5,verify=5,recovery=3",
        "hourly SMS caps per purpose: anonymous (password reset), account (step-up, phone change), "
        "verify (sign-up phone codes), recovery (lost authenticator)",
    ),
    F("MADOGUCHI_MFA_SMS_DEST_HOURLY", integer(1, 100), "3", "SMS per unproved destination number per hour"),
    F("MADOGUCHI_MFA_SMS_DEST_DAILY", integer(1, 1000), "10", "SMS per unproved destination number per day"),
    F("MADOGUCHI_MFA_SMS_PREFIX_HOURLY", integer(1, 10_000), "20", "SMS per unproved 10,000-number block per hour"),
    F(
        "MADOGUCHI_MFA_WEBAUTHN_RP_ID",
        text(253, r"[a-z0-9.-]+"),
        "",
        "WebAuthn relying-party ID, e.g. madoguchi.example (empty: the request host)",
    ),
    # recovery (recovery/conf.py, docs/recovery.md)
    F("MADOGUCHI_RECOVERY_IDENTITY_REVIEW_HOURS", integer(1, 720), "48", "review target for identity cases (hours)"),
    F("MADOGUCHI_RECOVERY_RESET_LINK_HOURS", integer(1, 168), "24", "hours a password-reset link is valid"),
    F("MADOGUCHI_RECOVERY_RESET_HOLD_HOURS", integer(0, 168), "24", "withdrawal hold after a password reset (hours)"),
    F(
        "MADOGUCHI_RECOVERY_SELF_SERVICE_HOLD_HOURS",
        integer(24, 72),
        "72",
        "withdrawal hold after a self-service authenticator reset (hours)",
    ),
    F(
        "MADOGUCHI_RECOVERY_SELF_SERVICE_LINK_MINUTES",
        integer(5, 1440),
        "30",
        "minutes a self-service recovery link is valid",
    ),
    F("MADOGUCHI_RECOVERY_FREEZE_LINK_DAYS", integer(1, 30), "7", "days an emailed freeze link is valid"),
    F(
        "MADOGUCHI_RECOVERY_IDENTITY_HOLD_HOURS",
        integer(0, 168),
        "72",
        "withdrawal hold after an identity-verified reset (hours)",
    ),
    F("MADOGUCHI_RECOVERY_SECOND_APPROVER", parse_bool, "0", "identity cases need a second reviewer"),
    F("MADOGUCHI_RECOVERY_RETENTION_DAYS", integer(1, 365), "30", "days ID images are kept after a decision"),
    F("MADOGUCHI_RECOVERY_RESUBMIT_DAYS", integer(1, 90), "14", "days a rejected case may be resubmitted"),
    F(
        "MADOGUCHI_RECOVERY_IDENTITY_BACKEND",
        text(200, DOTTED),
        "recovery.backends.IdSelfieReviewBackend",
        "dotted path of the identity-check backend",
    ),
    F("MADOGUCHI_RECOVERY_SELFIE_MAX_BYTES", integer(MiB, 50 * MiB), str(15 * MiB), "bytes per ID selfie"),
    F(
        "MADOGUCHI_RECOVERY_SELFIE_MAX_PIXELS",
        integer(1_000_000, 200_000_000),
        "50000000",
        "pixels per ID selfie (decompression bombs)",
    ),
    F("MADOGUCHI_RECOVERY_SELFIE_MIN_SIDE", integer(100, 4000), "720", "shortest side of an ID selfie (pixels)"),
    # support (support/conf.py, docs/support.md)
    F(
        "MADOGUCHI_SUPPORT_REOPEN_DAYS",
        integer(1, 90),
        "14",
        "a customer reply reopens a resolved inquiry within this many days",
    ),
    F("MADOGUCHI_SUPPORT_DESK_HOURS", hours, "09:00-18:00", "JST desk hours for SLA business time"),
    F("MADOGUCHI_SUPPORT_MAX_ATTACHMENTS", integer(0, 20), "5", "files per message"),
    F("MADOGUCHI_SUPPORT_MAX_ATTACHMENT_BYTES", integer(1024, 50 * MiB), str(10 * MiB), "bytes per file"),
    F("MADOGUCHI_SUPPORT_MAX_ATTACHMENT_PIXELS", integer(1_000_000, 200_000_000), "12000000", "pixels per image"),
    F(
        "MADOGUCHI_SUPPORT_ATTACHMENTS_PER_DAY",
        integer(1, 10_000),
        "30",
        "files per customer or guest address per 24 h",
    ),
    F("MADOGUCHI_SUPPORT_PAGE_SIZE", integer(10, 100), "50", "rows per list page"),
    F("MADOGUCHI_SUPPORT_GUEST_CODE_TTL", integer(60, 3600), "600", "seconds a guest email code is valid"),
    F(
        "MADOGUCHI_SUPPORT_GUEST_SESSION_TTL",
        integer(300, 86400),
        "3600",
        "seconds a confirmed guest address stays usable",
    ),
    F("MADOGUCHI_SUPPORT_PRESENCE_TTL", integer(10, 600), "45", "seconds an agent counts as viewing/replying"),
    F(
        "MADOGUCHI_SUPPORT_CREATE_LIMIT_PER_HOUR",
        integer(1, 1000),
        "10",
        "new inquiries per customer / guest address per hour",
    ),
    F(
        "MADOGUCHI_SUPPORT_PHONE_NUMBER",
        text(30, r"\+?[0-9][0-9 -]{5,28}"),
        "0120-000-000",
        "support phone line shown on the contact page as a tel: link (empty hides it)",
    ),
    F("MADOGUCHI_SUPPORT_CALLBACK_RATE_LIMIT", rate(), "3/86400", "callback requests per customer per period (s)"),
    F("MADOGUCHI_SUPPORT_CALLBACK_SLOT_MINUTES", integer(10, 120), "30", "step of the preferred callback times"),
    # chat (chat/conf.py, docs/support.md)
    F(
        "MADOGUCHI_CHAT_WAIT_TIMEOUT_MINUTES",
        integer(1, 240),
        "10",
        "minutes a chat waits for an agent before it becomes an inquiry",
    ),
    F("MADOGUCHI_CHAT_MAX_PER_AGENT", integer(1, 20), "3", "chats one agent may hold at once"),
    F("MADOGUCHI_CHAT_MESSAGE_MAX_CHARS", integer(100, 10_000), "2000", "characters per chat message"),
    F("MADOGUCHI_CHAT_MESSAGE_RATE_LIMIT", rate(), "30/60", "chat messages per customer (or guest) per period (s)"),
    F("MADOGUCHI_CHAT_ADDRESS_RATE_LIMIT", rate(), "120/60", "chat messages per client address per period (s)"),
    F("MADOGUCHI_CHAT_START_LIMIT_PER_HOUR", integer(1, 100), "5", "new chats per customer / guest address per hour"),
    F(
        "MADOGUCHI_CHAT_MINUTES_PER_CHAT",
        integer(1, 60),
        "4",
        "expected minutes per chat ahead in the queue (the wait shown)",
    ),
    F(
        "MADOGUCHI_CHAT_ALWAYS_OPEN",
        parse_bool,
        "0",
        "ignore chat hours (demos, tests); production follows the contact page's hours",
    ),
    # helpcenter (helpcenter/conf.py, docs/helpcenter.md)
    F("MADOGUCHI_HELP_VOTE_RATE_LIMIT", rate(), "30/3600", "helpful votes per client address per period (s)"),
    F("MADOGUCHI_HELP_SEARCH_RATE_LIMIT", rate(), "600/60", "public search queries per client address per period (s)"),
    F(
        "MADOGUCHI_HELP_ANNOUNCEMENT_LEAD_DAYS",
        integer(0, 60),
        "7",
        "days before a planned maintenance the banner shows it",
    ),
    F("MADOGUCHI_HELP_SYNONYMS_FILE", existing_file, "", "a synonyms file replacing the shipped one"),
    F(
        "MADOGUCHI_HELP_SIGNIN_INQUIRY_CATEGORY",
        text(50, r"[a-z0-9_-]+"),
        "sign_in",
        "support category for sign-in trouble",
    ),
    F("MADOGUCHI_HELP_FLOW_URLS", url_map, "{}", "JSON object overriding where the troubleshooter links (flow → URL)"),
    # settings.py
    F(
        "MADOGUCHI_CAPTCHA_MAXNUMBER",
        integer(100, 10_000_000),
        "50000",
        "captcha proof-of-work difficulty (average work = half of it; drills and tests use 100-2000)",
    ),
    F("MADOGUCHI_PASSWORD_REQUIRE_MIX", parse_bool, "1", "passwords must mix letters and digits"),
)
BY_NAME = {feature.name: feature for feature in FEATURES}


def read(environ: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """(settings for the variables that are set, problems) — never raises."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for feature in FEATURES:
        raw = environ.get(feature.name)
        if raw is None:
            continue
        try:
            values[feature.name] = feature.parse(raw)
        except Invalid as exc:
            shown = raw if len(raw) <= 60 else raw[:57] + "..."
            problems.append(
                f"{feature.name}={shown!r}: {exc} ({feature.meaning}; default {feature.default or 'empty'})"
            )
    return values, problems


def markdown_table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for feature in FEATURES:
        default = f"`{feature.default}`" if feature.default else "—"
        rows.append(f"| `{feature.name}` | {default} | {feature.meaning} |")
    return "\n".join(rows)


if __name__ == "__main__":  # python -m config.features  → the README table
    import sys

    sys.stdout.write(markdown_table() + "\n")
