"""The SMS second step of sign-in: a login stage with its own key, ``madoguchi_sms``.

allauth's ``mfa_authenticate`` stage stays as it is for customers with TOTP or a
passkey (its forms use our code checks through ``MFA_FORMS`` and the headless views in
``mfa.headless_account``). Right after it, ``SmsAuthenticateStage`` (listed by the
accounts adapter's ``get_login_stages``) handles customers without an authenticator but
with a registered phone: a 6-digit code by SMS, confirmed on ``/login/sms/`` (HTML) or,
for headless clients, on ``/_allauth/<client>/v1/auth/2fa/sms`` (resend at
``.../auth/2fa/sms/resend``). Headless answers list the pending flow as
``{"id": "madoguchi_sms", "is_pending": true}`` — allauth lists a pending stage by its
key, so no allauth code is touched. ``.../auth/2fa/authenticate`` also accepts the SMS
code while this stage is pending (apps written for the earlier flow keep working).
"""

from __future__ import annotations

from typing import Any

from allauth.account.stages import LoginStage
from allauth.core.internal.httpkit import headed_redirect_response

from core.errors import ApplicationError

STAGE_KEY = "madoguchi_sms"


def sms_second_step_applies(user: Any) -> bool:
    from .internal import authenticators

    if user is None or not getattr(user, "phone", None):
        return False
    return not authenticators.has_second_factor(user)


class SmsAuthenticateStage(LoginStage):
    key = STAGE_KEY
    urlname = "madoguchi_mfa:login_sms"

    def handle(self) -> tuple[Any, bool]:
        from allauth.mfa.stages import AuthenticateStage

        from accounts.phone_verification import phone_verified_in_this_login

        from . import services

        user = self.login.user
        authenticator_step = self.controller.get_stage(AuthenticateStage.key)
        if authenticator_step is not None and authenticator_step.state.get("authentication_required"):
            return None, True  # an authenticator customer: allauth's stage asked (no extra query)
        if (
            getattr(self.login, "signup", False)
            or phone_verified_in_this_login(self.login)
            or not sms_second_step_applies(user)
        ):
            # A brand-new account signing itself in right after sign-up (email and phone
            # codes just confirmed), or a sign-in that has just proved the phone with a
            # code: the SMS step would only repeat that code. Authenticator customers
            # passed allauth's stage; nobody to text and no authenticator: the phone stage
            # (accounts.phone_verification) came first.
            return None, True
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


# Kept for imports elsewhere.
MfaAuthenticateStage = SmsAuthenticateStage
