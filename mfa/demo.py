"""Demo data for the embedded default (called by `manage.py load_demo` after accounts).

taro, agent and admin get TOTP with the published demo secret, stored exactly like
a real enrolment (encrypted through the MFA adapter) plus recovery codes; hanako
keeps no authenticator so that sign-in shows the SMS second step.
"""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model

DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 - published in api.md; demonstration only
DEMO_TOTP_ACCOUNTS = ["taro@example.jp", "agent@example.jp", "admin@example.jp"]


def load() -> None:
    for email in DEMO_TOTP_ACCOUNTS:
        user = get_user_model().objects.filter(email=email).first()
        if user is None:
            continue
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(user)  # idempotent: returns the existing set
