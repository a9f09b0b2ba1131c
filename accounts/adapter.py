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
from django.utils.translation import gettext_lazy as _lazy

from core.audit import audit_log
from core.notify import anti_phishing_footer
from core.settings_getter import settings_memo
from core.tasks import enqueue

from . import lockout
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
    # The errors a customer meets on allauth's forms and the headless API, in our words (the
    # codes stay allauth's, so apps switch on the same values).
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _lazy("This account cannot be used. Contact us if you did not expect this."),
        "email_password_mismatch": _lazy(
            "The email address or the password is not correct. Passwords are case-sensitive."
        ),
        "email_taken": _lazy("This email address cannot be used. Try another one, or sign in."),
        "enter_current_password": _lazy("Enter your current password."),
        "incorrect_code": _lazy("The code is not correct. Check it and try again, or ask for a new one."),
        "incorrect_password": _lazy("The password is not correct."),
        "invalid_or_expired_key": _lazy("This link no longer works. Ask for a new one."),
        "invalid_password_reset": _lazy("This reset link no longer works. Ask for a new one."),
        "too_many_login_attempts": _lazy("Too many failed attempts. Wait a few minutes, then try again."),
        "unverified_primary_email": _lazy("Confirm your email address first."),
        "same_as_current": _lazy("Enter a value different from the current one."),
        "rate_limited": _lazy("Too many requests in a short time. Wait a minute, then try again."),
    }

    def get_login_stages(self) -> list[str]:
        # The second step: allauth's authenticator stage, then ours for an SMS code when
        # the customer has no authenticator (mfa.stages, its own stage key). The mobile
        # number is proved by our own stage right after the email code (allauth's phone
        # stage is not used: it cannot keep a taken number from showing). The list depends
        # on settings only (allauth asks for it ~5 times a sign-in): kept until they change.
        return list(settings_memo("accounts.login_stages", lambda: tuple(self._login_stages())))

    def _login_stages(self) -> list[str]:
        stages: list[str] = []
        for path in super().get_login_stages():
            if path == "allauth.account.stages.PhoneVerificationStage":
                continue
            stages.append(path)
            if path == "allauth.account.stages.EmailVerificationStage":
                stages.append("accounts.phone_verification.PhoneVerifyStage")
            if path == "allauth.mfa.stages.AuthenticateStage":
                stages.append("mfa.stages.SmsAuthenticateStage")
        return stages

    def get_client_ip(self, request: HttpRequest) -> str:
        # One resolver for allauth's rate limits, usersessions and ours (core.ratelimit).
        from django.core.exceptions import PermissionDenied

        from core.ratelimit import client_ip

        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def clean_email(self, email: str) -> str:
        return super().clean_email(normalize_email(email))

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # Replaces allauth's login_failed buckets (per address + per account, which anyone
        # could fill to refuse the owner): accounts/lockout.py.
        try:
            self._madoguchi_attempt = lockout.before_password_check(request, credentials)
        except lockout.LoginRefused as refused:
            email = credentials.get("email")
            user = get_user_model().objects.filter(email__iexact=email).first() if email else None
            audit_log(
                user=user,
                event="login.throttled",
                request=request,
                data={"limit": refused.limit},
                visible_to_customer=False,
            )
            raise ValidationError(refused.message, code="too_many_login_attempts") from None

    def authenticate(self, request: HttpRequest, **credentials: Any) -> Any:
        if credentials.get("email"):
            credentials["email"] = normalize_email(credentials["email"])
        user = super().authenticate(request, **credentials)
        attempt = getattr(self, "_madoguchi_attempt", None)
        if user is not None:
            if attempt is not None:
                lockout.password_accepted(attempt)
            session = getattr(request, "session", None)
            signed_in = getattr(getattr(request, "user", None), "is_authenticated", False)
            if not signed_in:
                _read_email_addresses_once(user)
            if session is not None and not signed_in:  # sign-in, not a re-authentication
                # A new session id once the password is accepted, before the second step:
                # an id planted or seen before sign-in is worth nothing afterwards.
                session.cycle_key()
        return user

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        attempt = getattr(self, "_madoguchi_attempt", None)
        if attempt is not None:
            lockout.password_refused(attempt)
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

    def send_account_already_exists_mail(self, email: str) -> None:
        # A sign-up with a taken email creates nobody, so it would skip the password hash a
        # new account costs and answer ~35 ms sooner: an oracle for "has an account". Hash a
        # throw-away password with the same hasher so both paths do the same work.
        import secrets

        from django.contrib.auth.hashers import make_password

        make_password(secrets.token_urlsafe(16))
        super().send_account_already_exists_mail(email)

    def format_email_subject(self, subject: str) -> str:
        # The same prefix as every other mail of ours (core.notify), never the request's host.
        return f"[madoguchi] {subject}"

    def send_notification_mail(
        self,
        template_prefix: str,
        user: Any,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        # 2FA changes made through allauth's own flows are audited and notified by our
        # receivers (mfa.signals) in our wording; allauth's mfa/* mails (e.g. "Authenticator
        # App Deactivated") would be a second, stock one.
        if template_prefix.startswith("mfa/"):
            return
        super().send_notification_mail(template_prefix, user, {"user": user, **(context or {})}, email)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Every allauth mail, in our templates (templates/account/email/, …/socialaccount/email/).

        Rendered now (the context holds model objects) but as core.notify renders: in the
        recipient's saved language (the request's only for an address with no account),
        times in JST, links from SITE_URL (allauth builds them from the request's host);
        then delivered after commit through the task queue, with the anti-phishing code.
        """
        from django.conf import settings
        from django.utils import timezone, translation

        from core.notify import MAIL_TIME_ZONE, freeze_url_for, tidy_body

        request = globals()["context"].request
        user = context.get("user")
        if user is None or not getattr(user, "pk", None):
            user = get_user_model().objects.filter(email__iexact=email).first()
        else:
            user = get_user_model().objects.filter(pk=user.pk).first() or user
        language = getattr(user, "language", None) or translation.get_language() or settings.LANGUAGE_CODE
        ctx: dict[str, Any] = {"request": request, "email": email, **context, "user": user}
        host = _request_host(request)
        for key, value in list(ctx.items()):
            if key.endswith("_url") and isinstance(value, str):
                ctx[key] = _on_site(value, host)
        ctx["site_url"] = settings.SITE_URL
        ctx["site_name"] = "madoguchi"
        ctx["current_site"] = None  # stock templates name the request's host; ours never do
        if user is not None and getattr(user, "pk", None):
            ctx.setdefault("freeze_url", freeze_url_for(user))
        with translation.override(language), timezone.override(MAIL_TIME_ZONE):
            message = self.render_mail(template_prefix, email, ctx)
            body = tidy_body(str(message.body)) + anti_phishing_footer(user)
            body += "\n\n" + _("madoguchi — %(url)s") % {"url": settings.SITE_URL}
        enqueue(
            "core.notify:deliver_rendered_email",
            kind=_kind_from_template(template_prefix),
            to=email,
            subject=str(message.subject),
            body=body,
        )


def _read_email_addresses_once(user: Any) -> None:
    """The customer's email addresses, read once for the rest of this sign-in request.

    allauth reads the signed-in address twice after the password (its verification
    rate-limit check in the login input, then its email-verification stage), each through
    ``EmailAddress.objects.get_for_user``, which serves the user object's own address cache
    when one is set (``fill_cache_for_user``, allauth's seam). One query for the user's
    addresses fills it: the same rows, matched the same way (lower-cased address), so both
    checks answer as two reads would, for one statement instead of two. The cache lives on
    this request's user object only."""
    from allauth.account.models import EmailAddress

    addresses = list(EmailAddress.objects.filter(user_id=user.pk).order_by("pk"))
    for address in addresses:
        address.user = user
    EmailAddress.objects.fill_cache_for_user(user, addresses)


def _request_host(request: HttpRequest | None) -> str | None:
    from django.core.exceptions import DisallowedHost

    try:
        return request.get_host() if request is not None else None
    except DisallowedHost:  # nothing of that host is used anyway
        return None


def _on_site(url: str, request_host: str | None) -> str:
    """The same path on SITE_URL for a link allauth built from the request (relative or on the
    request's host): mail never carries the host a request came in on. Links the operator
    configured elsewhere (HEADLESS_FRONTEND_URLS, an app's deep link) are kept."""
    from urllib.parse import urlsplit

    from django.conf import settings

    parts = urlsplit(url)
    relative = not parts.scheme and not parts.netloc and url.startswith("/")
    on_request_host = parts.scheme in ("http", "https") and request_host is not None and parts.netloc == request_host
    if not (relative or on_request_host):
        return url
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{settings.SITE_URL}{tail}"


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_providers(self, request: HttpRequest) -> list[Any]:
        # allauth lists the configured apps (a query) and keeps those of installed provider
        # classes; with none installed (MADOGUCHI_SOCIAL_PROVIDERS empty) the answer is
        # empty whatever the table holds, so it is given without the query (every 401
        # answer of the headless API lists the providers).
        from allauth.socialaccount.providers import registry

        if not registry.get_class_list():
            return []
        return super().list_providers(request)

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: Any) -> bool:
        # Signing up through a provider still asks for what every account needs (the mobile
        # number for sign-in codes): the sign-up form, with the provider's email filled in.
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        # Connecting a provider to a signed-in account adds a way to sign in: a security
        # change with no second factor in allauth's flow. Not offered (pages and headless).
        if (sociallogin.state or {}).get("process") == "connect":
            from allauth.core.exceptions import ImmediateHttpResponse
            from django.http import HttpResponseNotFound

            raise ImmediateHttpResponse(HttpResponseNotFound())
        super().pre_social_login(request, sociallogin)

    def populate_user(self, request: HttpRequest, sociallogin: Any, data: dict[str, Any]) -> Any:
        user = super().populate_user(request, sociallogin, data)
        user.email = normalize_email(user.email or "")
        return user

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        # A social account has no usable password until the customer sets one via reset.
        user = super().save_user(request, sociallogin, form)
        audit_log(user=user, event="signup.social", request=request, data={"provider": sociallogin.account.provider})
        return user
