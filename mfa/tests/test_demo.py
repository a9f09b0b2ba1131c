"""Demo accounts: TOTP with the published secret, stored encrypted like a real one."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator

from mfa import demo, services
from mfa.internal import crypto
from mfa.tests.helpers import code_now

pytestmark = pytest.mark.django_db


def test_demo_accounts_have_encrypted_totp_and_hanako_has_none(settings):
    settings.DEBUG = True
    from django.contrib.auth import get_user_model

    from accounts import demo as accounts_demo

    accounts_demo.load()
    demo.load()
    demo.load()  # idempotent
    users = get_user_model().objects
    for email in demo.DEMO_TOTP_ACCOUNTS:
        row = Authenticator.objects.get(user__email=email, type=Authenticator.Type.TOTP)
        assert crypto.is_encrypted(row.data["secret"]) and "JBSWY3DP" not in row.data["secret"]
        assert Authenticator.objects.filter(user__email=email, type=Authenticator.Type.RECOVERY_CODES).count() == 1
    assert not Authenticator.objects.filter(user__email="hanako@example.jp").exists()
    # and the demo secret really works through the app's check
    services.second_factor_verify(user=users.get(email="taro@example.jp"), action="withdrawal", code=code_now())
