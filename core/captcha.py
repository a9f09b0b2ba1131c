"""Captcha: self-hosted ALTCHA proof of work by default; reCAPTCHA, Turnstile, hCaptcha by setting.

The protected request carries the solution in a field named ``captcha`` (form posts and JSON
bodies alike). Every solution works once (remembered in the shared cache until it expires).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.parse
import urllib.request
from typing import Any

from altcha import v1 as altcha
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import ApplicationError, CoreErrorCode
from .ratelimit import client_ip

CHALLENGE_TTL = dt.timedelta(minutes=10)

HELP_TEXT = gettext_lazy(
    "If the check keeps failing, reload the page, try another browser, "
    "or update the app. The check runs in your browser and needs JavaScript."
)


def _hmac_key() -> str:
    return f"captcha:{settings.SECRET_KEY}"


def create_challenge() -> dict[str, Any]:
    challenge = altcha.create_challenge(  # type: ignore[call-overload]
        algorithm="SHA-256",
        max_number=settings.MADOGUCHI_CAPTCHA_MAXNUMBER,
        hmac_key=_hmac_key(),
        expires=timezone.now() + CHALLENGE_TTL,
    )
    return {
        "algorithm": challenge.algorithm,
        "challenge": challenge.challenge,
        "salt": challenge.salt,
        "maxnumber": challenge.max_number,
        "signature": challenge.signature,
    }


class AltchaBackend:
    name = "altcha"

    def verify(self, payload: str, request: HttpRequest | None) -> bool:
        ok, _error = altcha.verify_solution(payload, _hmac_key(), check_expires=True)
        if not ok:
            return False
        challenge = json.loads(base64.b64decode(payload))["challenge"]
        # One use per solution: cache.add is atomic in Redis and in locmem.
        return bool(cache.add(f"captcha:used:{challenge}", 1, timeout=int(CHALLENGE_TTL.total_seconds()) + 60))


class SiteVerifyBackend:
    """Third-party services that answer a POST {secret, response, remoteip} with {"success": bool}."""

    name = ""
    verify_url = ""

    def verify(self, payload: str, request: HttpRequest | None) -> bool:
        data = urllib.parse.urlencode(
            {
                "secret": settings.MADOGUCHI_CAPTCHA_SECRET,
                "response": payload,
                "remoteip": client_ip(request) or "",
            }
        ).encode()
        try:
            with urllib.request.urlopen(self.verify_url, data=data, timeout=5) as response:  # noqa: S310
                return bool(json.loads(response.read()).get("success"))
        except (OSError, ValueError):
            return False


class RecaptchaBackend(SiteVerifyBackend):
    name = "recaptcha"
    verify_url = "https://www.google.com/recaptcha/api/siteverify"


class TurnstileBackend(SiteVerifyBackend):
    name = "turnstile"
    verify_url = "https://challenges.cloudflare.com/turnstile/v0/siteverify"


class HcaptchaBackend(SiteVerifyBackend):
    name = "hcaptcha"
    verify_url = "https://api.hcaptcha.com/siteverify"


BACKENDS: dict[str, type[AltchaBackend] | type[SiteVerifyBackend]] = {
    "altcha": AltchaBackend,
    "recaptcha": RecaptchaBackend,
    "turnstile": TurnstileBackend,
    "hcaptcha": HcaptchaBackend,
}


def get_backend() -> AltchaBackend | SiteVerifyBackend:
    return BACKENDS[settings.MADOGUCHI_CAPTCHA_BACKEND]()


def failure_message() -> str:
    return _("The security check failed or expired. %(help)s") % {"help": HELP_TEXT}


failure_message_lazy = lazy(failure_message, str)


def verify_or_raise(payload: str | None, request: HttpRequest | None) -> None:
    if not payload or len(payload) > 4096 or not get_backend().verify(payload, request):
        raise ApplicationError(
            CoreErrorCode.CAPTCHA_INVALID, failure_message(), status=400, fields={"captcha": [failure_message()]}
        )


class CaptchaWidget(forms.Widget):
    template_name = "core/widgets/captcha.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["backend"] = settings.MADOGUCHI_CAPTCHA_BACKEND
        context["site_key"] = settings.MADOGUCHI_CAPTCHA_SITE_KEY
        context["help_text"] = HELP_TEXT
        return context


class CaptchaField(forms.CharField):
    widget = CaptchaWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Security check"))
        kwargs.setdefault("required", True)
        # A lazy string (translated when shown): the function itself rendered as its repr.
        kwargs.setdefault("error_messages", {"required": failure_message_lazy()})
        super().__init__(**kwargs)
        self.request: HttpRequest | None = None

    def validate(self, value: Any) -> None:
        super().validate(value)
        try:
            verify_or_raise(value, self.request)
        except ApplicationError as error:
            raise forms.ValidationError(error.message, code=CoreErrorCode.CAPTCHA_INVALID) from error
