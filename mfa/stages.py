"""The second step of sign-in as one allauth login stage: authenticator or SMS.

``MfaAuthenticateStage`` replaces allauth's ``AuthenticateStage`` (same key,
``mfa_authenticate``; the accounts adapter swaps it in ``get_login_stages``):

- a customer with TOTP or a passkey gets allauth's authenticator step unchanged
  (codes are judged by ``mfa.internal.codecheck`` through the form hook);
- a customer without one but with a registered phone gets a 6-digit code by SMS,
  confirmed on ``/login/sms/`` (HTML) or — for headless clients — on allauth's own
  ``/_allauth/<client>/v1/auth/2fa/authenticate`` (``{"code"}``), where the pending
  flow reads ``{"id": "mfa_authenticate", "types": ["sms"]}``.  ``.../auth/2fa/sms``
  and ``.../auth/2fa/sms/resend`` exist as well (mfa.headless).
"""

from __future__ import annotations

from typing import Any

from allauth.core.internal.httpkit import headed_redirect_response
from allauth.mfa.stages import AuthenticateStage

from core.errors import ApplicationError

STAGE_KEY = AuthenticateStage.key  # "mfa_authenticate"


def sms_second_step_applies(user: Any) -> bool:
    from allauth.mfa.models import Authenticator

    if user is None or not getattr(user, "phone", None):
        return False
    return not Authenticator.objects.filter(
        user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


class MfaAuthenticateStage(AuthenticateStage):
    def handle(self) -> tuple[Any, bool]:
        from . import services

        user = self.login.user
        if getattr(self.login, "signup", False) or not sms_second_step_applies(user):
            # A brand-new account signing itself in right after sign-up (email code just
            # confirmed) has nothing yet to protect with a second step.
            # Authenticator customers: allauth's stage. Nobody to text and no
            # authenticator: the enrolment prompt after sign-in takes over.
            return super().handle()
        self.state["sms"] = True
        if not self.state.get("sent"):
            try:
                services.sms_code_send(user=user, purpose="login", request=self.request)
            except ApplicationError:
                # Cooldown or hourly cap: the previous code is still the valid one;
                # the page offers a resend later.
                pass
            self.state["sent"] = True
        return headed_redirect_response("madoguchi_mfa:login_sms"), True


# Kept for imports elsewhere (URLs, headless views).
SmsLoginStage = MfaAuthenticateStage
