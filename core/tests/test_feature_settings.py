"""Every feature setting can be set from the environment; a bad value stops the start."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from config import features

ROOT = Path(__file__).resolve().parents[2]


def _env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MADOGUCHI_", "DATABASE_URL", "REDIS_URL"))}
    return {**env, "MADOGUCHI_TESTING": "1", "DJANGO_SETTINGS_MODULE": "config.settings", **overrides}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_feature_parses_its_documented_default():
    for feature in features.FEATURES:
        features.BY_NAME[feature.name].parse(feature.default)  # raises on a wrong table


def _app_defaults() -> dict[str, Any]:
    """What each app uses when nothing is set (the apps' own defaults, read through their conf)."""
    from helpcenter import conf as help_conf
    from mfa import conf as mfa_conf
    from recovery import conf as recovery_conf
    from support import conf as support_conf
    from wallet import conf as wallet_conf

    out: dict[str, Any] = {f"MADOGUCHI_MFA_{k}": v for k, v in mfa_conf._DEFAULTS.items() if k != "ENCRYPTION_KEYS"}
    out.update({f"MADOGUCHI_RECOVERY_{k}": v for k, v in recovery_conf.DEFAULTS.items()})
    out.update(
        {
            "MADOGUCHI_SUPPORT_REOPEN_DAYS": support_conf.reopen_days(),
            "MADOGUCHI_SUPPORT_DESK_HOURS": tuple(t.strftime("%H:%M") for t in support_conf.desk_hours()),
            "MADOGUCHI_SUPPORT_MAX_ATTACHMENTS": support_conf.max_attachments(),
            "MADOGUCHI_SUPPORT_MAX_ATTACHMENT_BYTES": support_conf.max_attachment_bytes(),
            "MADOGUCHI_SUPPORT_MAX_ATTACHMENT_PIXELS": support_conf.max_attachment_pixels(),
            "MADOGUCHI_SUPPORT_PAGE_SIZE": support_conf.page_size(),
            "MADOGUCHI_SUPPORT_GUEST_CODE_TTL": support_conf.guest_code_ttl(),
            "MADOGUCHI_SUPPORT_GUEST_SESSION_TTL": support_conf.guest_session_ttl(),
            "MADOGUCHI_SUPPORT_PRESENCE_TTL": support_conf.presence_ttl(),
            "MADOGUCHI_SUPPORT_CREATE_LIMIT_PER_HOUR": support_conf.create_limit_per_hour(),
            "MADOGUCHI_HELP_VOTE_RATE_LIMIT": help_conf.vote_rate_limit(),
            "MADOGUCHI_HELP_SEARCH_RATE_LIMIT": help_conf.search_rate_limit(),
            "MADOGUCHI_HELP_ANNOUNCEMENT_LEAD_DAYS": help_conf.announcement_lead_days(),
            "MADOGUCHI_HELP_SYNONYMS_FILE": help_conf.synonyms_file() or "",
            "MADOGUCHI_HELP_SIGNIN_INQUIRY_CATEGORY": help_conf.inquiry_category_slug(),
            "MADOGUCHI_WITHDRAWAL_ADDRESS_DELAY_HOURS": wallet_conf.address_delay_hours(),
            "MADOGUCHI_REQUIRE_2FA_FOR_WITHDRAWAL": wallet_conf.require_2fa_for_withdrawal(),
            "MADOGUCHI_WITHDRAWAL_RULES": wallet_conf.DEFAULT_RULES,
            "MADOGUCHI_WITHDRAWAL_RATE_LIMIT": wallet_conf.withdrawal_rate_limit(),
            "MADOGUCHI_ADDRESS_RATE_LIMIT": wallet_conf.address_rate_limit(),
            "MADOGUCHI_MAX_WITHDRAWAL_ADDRESSES": wallet_conf.max_addresses(),
            "MADOGUCHI_BTC_NETWORK": wallet_conf.btc_network(),
            "MADOGUCHI_ETH_REQUIRE_CHECKSUM": wallet_conf.eth_require_checksum(),
            "MADOGUCHI_WALLET_RATES_LOCAL_SECONDS": wallet_conf.rates_local_seconds(),
            "MADOGUCHI_WALLET_PLACES": wallet_conf.DEFAULT_PLACES,
            "MADOGUCHI_WALLET_MAX_BALANCE": wallet_conf.DEFAULT_MAX_BALANCE,
            "MADOGUCHI_WALLET_MAX_RATE_JPY": wallet_conf.DEFAULT_MAX_RATE_JPY,
            "MADOGUCHI_WALLET_MAX_LEVERAGE_RATIO": str(wallet_conf.max_leverage_ratio()),
            "MADOGUCHI_WALLET_MAX_MAINTENANCE_RATIO": str(wallet_conf.max_maintenance_ratio()),
        }
    )
    return out


def test_the_documented_defaults_are_the_apps_defaults(settings):
    # the embedded default: nothing set in settings for these names
    for name in _app_defaults():
        if hasattr(settings, name) and name not in {"MADOGUCHI_REQUIRE_2FA_FOR_WITHDRAWAL"}:
            delattr(settings, name)
    actual = _app_defaults()
    for name, value in actual.items():
        documented = features.BY_NAME[name].parse(features.BY_NAME[name].default)
        if isinstance(value, dict) and name == "MADOGUCHI_WITHDRAWAL_RULES":
            value = {code: {k: str(v) if k != "places" else v for k, v in rule.items()} for code, rule in value.items()}
        assert documented == value, name


def test_every_app_setting_is_registered():
    """A new getattr(settings, "MADOGUCHI_…") in an app's conf.py must be added to the table."""
    prefixes = {
        "helpcenter": "MADOGUCHI_HELP_",
        "support": "MADOGUCHI_SUPPORT_",
        "wallet": "MADOGUCHI_",
    }
    missing = []
    for app, prefix in prefixes.items():
        source = (ROOT / app / "conf.py").read_text(encoding="utf-8")
        for name in re.findall(r'_get\("([A-Z0-9_]+)"', source):
            if prefix + name not in features.BY_NAME:
                missing.append(prefix + name)
    from mfa import conf as mfa_conf
    from recovery import conf as recovery_conf

    missing += [f"MADOGUCHI_MFA_{k}" for k in mfa_conf._DEFAULTS if f"MADOGUCHI_MFA_{k}" not in features.BY_NAME]
    missing += [
        f"MADOGUCHI_RECOVERY_{k}" for k in recovery_conf.DEFAULTS if f"MADOGUCHI_RECOVERY_{k}" not in features.BY_NAME
    ]
    assert missing == ["MADOGUCHI_MFA_ENCRYPTION_KEYS"]  # a list of keys, set in config/settings.py


def test_the_readme_lists_every_feature_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for feature in features.FEATURES:
        assert f"`{feature.name}`" in readme, feature.name


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("MADOGUCHI_WITHDRAWAL_ADDRESS_DELAY_HOURS", "24h"),
        ("MADOGUCHI_WITHDRAWAL_ADDRESS_DELAY_HOURS", "-1"),
        ("MADOGUCHI_WITHDRAWAL_ADDRESS_DELAY_HOURS", "100000"),
        ("MADOGUCHI_REQUIRE_2FA_FOR_WITHDRAWAL", "maybe"),
        ("MADOGUCHI_WITHDRAWAL_RATE_LIMIT", "20"),
        ("MADOGUCHI_WITHDRAWAL_RATE_LIMIT", "0/3600"),
        ("MADOGUCHI_BTC_NETWORK", "regtest"),
        ("MADOGUCHI_WALLET_RATES_LOCAL_SECONDS", "nan"),
        ("MADOGUCHI_WITHDRAWAL_RULES", "{not json"),
        ("MADOGUCHI_WITHDRAWAL_RULES", '{"DOGE": {"fee": "1", "minimum": "1", "places": 8}}'),
        ("MADOGUCHI_WITHDRAWAL_RULES", '{"BTC": {"fee": 0.0005, "minimum": "0.001", "places": 8}}'),
        ("MADOGUCHI_WITHDRAWAL_RULES", '{"BTC": {"fee": "0.000000001", "minimum": "0.001", "places": 8}}'),
        ("MADOGUCHI_WITHDRAWAL_RULES", '{"BTC": {"fee": "0.0005", "minimum": "0", "places": 8}}'),
        ("MADOGUCHI_WALLET_MAX_BALANCE", "BTC:21000000"),
        ("MADOGUCHI_WALLET_MAX_BALANCE", "DOGE=1"),
        ("MADOGUCHI_WALLET_MAX_RATE_JPY", "BTC=abc"),
        ("MADOGUCHI_WALLET_PLACES", "XRP=9"),
        ("MADOGUCHI_SUPPORT_DESK_HOURS", "9-18"),
        ("MADOGUCHI_SUPPORT_DESK_HOURS", "18:00-09:00"),
        ("MADOGUCHI_RECOVERY_SELF_SERVICE_HOLD_HOURS", "12"),
        ("MADOGUCHI_RECOVERY_IDENTITY_BACKEND", "not a path"),
        ("MADOGUCHI_HELP_FLOW_URLS", '["a"]'),
        ("MADOGUCHI_HELP_SYNONYMS_FILE", "/nonexistent/synonyms.txt"),
        ("MADOGUCHI_CAPTCHA_MAXNUMBER", "1e5"),
    ],
)
def test_bad_values_are_reported_with_the_variable_and_what_was_expected(name, raw):
    values, problems = features.read({name: raw})
    assert values == {}
    [problem] = problems
    assert problem.startswith(f"{name}=")
    # then the reason, what the setting means and its default
    assert ": " in problem.split("'", 2)[-1] and f"default {features.BY_NAME[name].default or 'empty'}" in problem


def test_good_values_are_parsed():
    values, problems = features.read(
        {
            "MADOGUCHI_WITHDRAWAL_ADDRESS_DELAY_HOURS": "48",
            "MADOGUCHI_REQUIRE_2FA_FOR_WITHDRAWAL": "off",
            "MADOGUCHI_WITHDRAWAL_RATE_LIMIT": "5/60",
            "MADOGUCHI_WITHDRAWAL_RULES": '{"btc": {"fee": "0.0001", "minimum": "0.0005", "places": 8}}',
            "MADOGUCHI_WALLET_MAX_BALANCE": "BTC=100, xrp=1e9",
            "MADOGUCHI_SUPPORT_DESK_HOURS": "10:00-17:30",
            "MADOGUCHI_HELP_FLOW_URLS": '{"inquiry": "https://support.example/new"}',
        }
    )
    assert problems == []
    assert values == {
        "MADOGUCHI_WITHDRAWAL_ADDRESS_DELAY_HOURS": 48,
        "MADOGUCHI_REQUIRE_2FA_FOR_WITHDRAWAL": False,
        "MADOGUCHI_WITHDRAWAL_RATE_LIMIT": (5, 60),
        "MADOGUCHI_WITHDRAWAL_RULES": {"BTC": {"fee": "0.0001", "minimum": "0.0005", "places": 8}},
        "MADOGUCHI_WALLET_MAX_BALANCE": {"BTC": "100", "XRP": "1E+9"},
        "MADOGUCHI_SUPPORT_DESK_HOURS": ("10:00", "17:30"),
        "MADOGUCHI_HELP_FLOW_URLS": {"inquiry": "https://support.example/new"},
    }


def test_a_bad_value_stops_the_start_with_a_clear_message():
    result = _manage(
        "check",
        MADOGUCHI_WITHDRAWAL_ADDRESS_DELAY_HOURS="one day",
        MADOGUCHI_WALLET_MAX_RATE_JPY="BTC=-5",
        DEBUG="flase",
    )
    assert result.returncode != 0
    assert "madoguchi cannot start: bad values in the environment" in result.stderr
    assert "MADOGUCHI_WITHDRAWAL_ADDRESS_DELAY_HOURS='one day': expected a whole number from 0 to 720" in result.stderr
    assert "MADOGUCHI_WALLET_MAX_RATE_JPY='BTC=-5'" in result.stderr
    assert "DEBUG='flase'" in result.stderr


def test_values_from_the_environment_reach_the_apps():
    script = (
        "from wallet import conf as w; from support import conf as s; from mfa import conf as m;"
        "print(w.address_delay_hours(), w.withdrawal_rule('BTC').fee, w.max_rate_jpy('BTC'),"
        " s.desk_hours()[0], m.get('SMS_HOURLY_CAP'), m.get('ENROLMENT_REQUIRED'))"
    )
    result = _manage(
        "shell",
        "-c",
        script,
        MADOGUCHI_WITHDRAWAL_ADDRESS_DELAY_HOURS="48",
        MADOGUCHI_WITHDRAWAL_RULES='{"BTC": {"fee": "0.0001", "minimum": "0.0005", "places": 8}}',
        MADOGUCHI_WALLET_MAX_RATE_JPY="BTC=30000000",
        MADOGUCHI_SUPPORT_DESK_HOURS="10:00-17:30",
        MADOGUCHI_MFA_SMS_HOURLY_CAP="3",
        MADOGUCHI_REQUIRE_2FA_FOR_WITHDRAWAL="0",
    )
    assert result.returncode == 0, result.stderr
    # the enrolment policy follows the wallet's switch when it is not set itself
    assert result.stdout.strip().splitlines()[-1].split() == ["48", "0.0001", "30000000", "10:00:00", "3", "False"]
