"""The authenticator app (TOTP): set up with a QR code, turn off."""

from __future__ import annotations

import segno
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.errors import ApplicationError
from core.users import signed_in_user
from mfa import forms, selectors, services
from mfa.views._common import _error, _keep_new_codes

SETUP_SECRET_KEY = "madoguchi_mfa.setup_secret"  # noqa: S105 (a session key name)


def _group(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    state = selectors.two_factor_state(user)
    if state["totp"]:
        return redirect("madoguchi_mfa:security")
    needs_step_up = bool(state["passkeys"] or getattr(user, "phone", None))
    secret = request.session.get(SETUP_SECRET_KEY)
    if request.method == "POST":
        form = forms.TotpSetupForm(request.POST, step_up=needs_step_up)
        if secret and form.is_valid():
            try:
                codes = services.totp_enable(
                    user=user,
                    secret=secret,
                    code=form.cleaned_data["code"],
                    step_up_code=form.cleaned_data.get("step_up_code") or None,
                    request=request,
                )
            except ApplicationError as exc:
                _error(request, form, exc, "step_up_code" if "step_up_code" in exc.fields else "code")
            else:
                request.session.pop(SETUP_SECRET_KEY, None)
                _keep_new_codes(request, codes)
                messages.success(request, _("Two-factor authentication is on."))
                return redirect("madoguchi_mfa:recovery_codes")
    else:
        form = forms.TotpSetupForm(step_up=needs_step_up)
    if not secret or (request.method == "GET" and request.GET.get("new")):
        # The key stays the same across reloads (a customer who scanned it and then
        # reloaded the page must not end up with a different key); "new key" replaces it.
        secret = services.totp_secret_new()
        request.session[SETUP_SECRET_KEY] = secret
    uri = get_mfa_adapter().build_totp_url(user, secret)
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff")
    return render(
        request,
        "madoguchi_mfa/totp_setup.html",
        {
            "form": form,
            "secret": secret,
            "secret_grouped": _group(secret),
            "otpauth_uri": uri,
            "qr_svg": qr_svg,
            "needs_step_up": needs_step_up,
            "has_phone": bool(getattr(user, "phone", None)),
        },
    )


@login_required
def totp_disable(request: HttpRequest) -> HttpResponse:
    if not selectors.two_factor_state(signed_in_user(request))["totp"]:
        return redirect("madoguchi_mfa:security")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_disable(user=signed_in_user(request), request=request, **form.step_up())
        except ApplicationError as exc:
            _error(request, form, exc)
        else:
            messages.success(
                request, _("Two-factor authentication is off. The old key and recovery codes no longer work.")
            )
            return redirect("madoguchi_mfa:security")
    has_passkey = bool(selectors.two_factor_state(signed_in_user(request))["passkeys"])
    return render(request, "madoguchi_mfa/totp_disable.html", {"form": form, "has_passkey": has_passkey})
