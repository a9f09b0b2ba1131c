"""The SMS second step of sign-in, as an allauth login stage.

Runs after allauth's MFA stage in ``ACCOUNT_LOGIN_STAGES`` order (the account
adapter's ``get_login_stages``).  A customer with an authenticator (TOTP or
passkey) is handled by allauth's ``AuthenticateStage``; this stage only applies to
customers without one who have a registered phone: a 6-digit code is sent by SMS
and the sign-in continues once it is confirmed on ``mfa:login_sms`` (HTML) or
``/_allauth/<client>/v1/auth/2fa/sms`` (headless).
"""

from __future__ import annotations

from typing import Any

from allauth.account.stages import LoginStage
from allauth.core.internal.httpkit import headed_redirect_response

from core.errors import ApplicationError

STAGE_KEY = "mfa_sms"


class SmsLoginStage(LoginStage):
    key = STAGE_KEY
    urlname = "madoguchi_mfa:login_sms"

    def handle(self) -> tuple[Any, bool]:
        from allauth.mfa.models import Authenticator

        from . import services

        user = self.login.user
        if user is None:
            return None, True
        if Authenticator.objects.filter(
            user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exists():
            return None, True
        if not getattr(user, "phone", None):
            # Nobody to text: the enrolment prompt after sign-in takes over.
            return None, True
        if not self.state.get("sent"):
            try:
                services.sms_code_send(user=user, purpose="login", request=self.request)
            except ApplicationError:
                # Cooldown or hourly cap: the previous code is still the valid one;
                # the page shows when a new one can be requested.
                pass
            self.state["sent"] = True
        return headed_redirect_response("madoguchi_mfa:login_sms"), True
