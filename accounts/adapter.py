"""allauth extension points: email normalisation, input hints, audit, mail through our queue."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core.audit import audit_log
from core.notify import anti_phishing_footer
from core.tasks import enqueue

from .normalize import normalize_email, password_input_hints

HINT_MESSAGES = {
    "full_width": lambda: _(
        "Your password contains full-width (zenkaku) characters. Switch your keyboard to "
        "half-width (hankaku) input and type it again."
    ),
    "surrounding_space": lambda: _("Your password starts or ends with a space. Check for extra spaces."),
}


def _kind_from_template(template_prefix: str) -> str:
    return template_prefix.rsplit("/", 1)[-1]


class AccountAdapter(DefaultAccountAdapter):
    def get_login_stages(self) -> list[str]:
        # The second step (authenticator, or an SMS code without one) is mfa.stages. The
        # mobile number is proved by our own stage right after the email code (allauth's
        # phone stage is not used: it cannot keep a taken number from showing).
        stages = []
        for path in super().get_login_stages():
            if path == "allauth.account.stages.PhoneVerificationStage":
                continue
            stages.append("mfa.stages.MfaAuthenticateStage" if path == "allauth.mfa.stages.AuthenticateStage" else path)
            if path == "allauth.account.stages.EmailVerificationStage":
                stages.append("accounts.phone_verification.PhoneVerifyStage")
        return stages

    def clean_email(self, email: str) -> str:
        return super().clean_email(normalize_email(email))

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        if credentials.get("email"):
            credentials["email"] = normalize_email(credentials["email"])
        return super().authenticate(request, **credentials)

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        hints = password_input_hints(credentials.get("password") or "")
        request._madoguchi_password_hints = hints  # type: ignore[attr-defined]
        user = None
        email = credentials.get("email")
        if email:
            user = get_user_model().objects.filter(email__iexact=email).first()
        # The row is audited for the account owner when the address is known; the typed
        # address of a stranger is not stored (it may be a mistyped password).
        audit_log(user=user, event="login.failed", request=request, data={"method": "password"})

    def validation_error(self, code: str, *args: Any) -> ValidationError:
        error = super().validation_error(code, *args)
        if code.endswith("_password_mismatch"):
            request = context.request
            hints = getattr(request, "_madoguchi_password_hints", []) if request is not None else []
            if hints:
                messages = [str(error.message)] + [HINT_MESSAGES[h]() for h in hints]
                return ValidationError(" ".join(messages), code=code)
        return error

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # allauth renders in the request (language, URLs); we deliver after commit through
        # the task queue and add the recipient's anti-phishing code.
        request = globals()["context"].request
        ctx = {"request": request, "email": email, **context}
        from django.contrib.sites.shortcuts import get_current_site

        ctx.setdefault("current_site", get_current_site(request))
        message = self.render_mail(template_prefix, email, ctx)
        user = get_user_model().objects.filter(email__iexact=email).first()
        body = str(message.body) + anti_phishing_footer(user)
        enqueue(
            "core.notify:deliver_rendered_email",
            kind=_kind_from_template(template_prefix),
            to=email,
            subject=str(message.subject),
            body=body,
        )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: Any) -> bool:
        # Signing up through a provider still asks for what every account needs (the mobile
        # number for sign-in codes): the sign-up form, with the provider's email filled in.
        return False

    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> Any:
        user = super().populate_user(request, sociallogin, data)
        user.email = normalize_email(user.email or "")
        return user

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        # A social account has no usable password until the customer sets one via reset.
        user = super().save_user(request, sociallogin, form)
        audit_log(user=user, event="signup.social", request=request, data={"provider": sociallogin.account.provider})
        return user
