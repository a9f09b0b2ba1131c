"""allauth's settings are read once per process and again after any change (core/settings_getter.py)."""

from __future__ import annotations

from allauth.account import app_settings as account_settings
from django.conf import settings as django_settings
from django.test import override_settings


def test_allauth_reads_its_settings_through_the_getter():
    assert django_settings.ALLAUTH_SETTING_GETTER.__module__ == "core.settings_getter"
    assert account_settings.ADAPTER == "accounts.adapter.AccountAdapter"


def test_a_changed_setting_is_seen_at_once_and_restored_afterwards():
    before = account_settings.LOGIN_TIMEOUT
    with override_settings(ACCOUNT_LOGIN_TIMEOUT=before + 123):
        during = account_settings.LOGIN_TIMEOUT
    after = account_settings.LOGIN_TIMEOUT

    assert during == before + 123
    assert after == before


def test_a_setting_the_project_does_not_set_gets_allauths_default_and_then_the_set_value():
    assert not hasattr(django_settings, "ACCOUNT_LOGIN_ON_PASSWORD_RESET")
    assert account_settings.LOGIN_ON_PASSWORD_RESET is False  # allauth's default
    with override_settings(ACCOUNT_LOGIN_ON_PASSWORD_RESET=True):
        assert account_settings.LOGIN_ON_PASSWORD_RESET is True
    assert account_settings.LOGIN_ON_PASSWORD_RESET is False


def test_pytests_settings_fixture_is_seen_too(settings):
    settings.ACCOUNT_RATE_LIMITS = {"login": "1/m/ip"}

    assert account_settings.RATE_LIMITS["login"] == "1/m/ip"


def test_the_sign_in_stages_follow_a_settings_change(settings):
    from accounts.adapter import AccountAdapter

    stages = AccountAdapter().get_login_stages()
    assert "mfa.stages.SmsAuthenticateStage" in stages
    assert "allauth.mfa.stages.TrustStage" not in stages

    settings.MFA_TRUST_ENABLED = True

    assert "allauth.mfa.stages.TrustStage" in AccountAdapter().get_login_stages()
