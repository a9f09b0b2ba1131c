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
    @property  # type: ignore[override]
    def urlname(self) -> str:
        # Where allauth sends a pending sign-in (the login page, login-required pages): the
        # SMS page in SMS mode. allauth's authenticator page would send an SMS customer back
        # to the login page, which sends them back here: ERR_TOO_MANY_REDIRECTS.
        return "madoguchi_mfa:login_sms" if self.state.get("sms") else "mfa_authenticate"

    def handle(self) -> tuple[Any, bool]:
        from accounts.phone_verification import phone_verified_in_this_login

        from . import services

        user = self.login.user
        if (
            getattr(self.login, "signup", False)
            or phone_verified_in_this_login(self.login)
            or not sms_second_step_applies(user)
        ):
            # A brand-new account signing itself in right after sign-up (email and phone
            # codes just confirmed), or a sign-in that has just proved the phone with a
            # code: the SMS step would only repeat that code.
            # Authenticator customers: allauth's stage. Nobody to text and no
            # authenticator: the phone stage (accounts.phone_verification) came first.
            return super().handle()
        self.state["sms"] = True
        if not self.state.get("sent"):
            try:
                services.sms_code_send(user=user, purpose="login", request=self.request)
            except ApplicationError as exc:
                # Cooldown or hourly cap: say so on the page (when the last code was sent,
                # or when a new one can be), never "we sent a code".
                self.state["notice"] = exc.message
            else:
                self.state.pop("notice", None)
            self.state["sent"] = True
        return headed_redirect_response("madoguchi_mfa:login_sms"), True


# Kept for imports elsewhere (URLs, headless views).
SmsLoginStage = MfaAuthenticateStage
