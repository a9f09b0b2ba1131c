"""Passkeys: list, rename, remove; add one (second factor first, then the credential)."""

from __future__ import annotations

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


@never_cache
@login_required
def passkeys(request: HttpRequest) -> HttpResponse:
    """List passkeys; remove or rename one (second factor with the request)."""
    state = selectors.two_factor_state(signed_in_user(request))
    form = forms.PasskeyManageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data.get("name"):
                services.passkey_rename(
                    user=signed_in_user(request),
                    passkey_id=form.cleaned_data["passkey"],
                    name=form.cleaned_data["name"],
                    request=request,
                    **form.step_up(),
                )
            else:
                services.passkey_remove(
                    user=signed_in_user(request),
                    passkey_ids=[form.cleaned_data["passkey"]],
                    request=request,
                    **form.step_up(),
                )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("madoguchi_mfa:passkeys")
    return render(
        request,
        "madoguchi_mfa/passkeys.html",
        {
            "form": form,
            "passkeys": selectors.passkeys_for_user(signed_in_user(request)),
            "has_passkey": bool(state["passkeys"]),
            "sms_step_up": not state["totp"] and not state["passkeys"] and bool(getattr(request.user, "phone", None)),
        },
    )


@never_cache
@login_required
def passkey_add(request: HttpRequest) -> HttpResponse:
    """Two steps: the second factor first (grant), then the browser creates the credential."""
    from allauth.core import context
    from allauth.mfa.webauthn.forms import AddWebAuthnForm

    user = signed_in_user(request)
    state = selectors.two_factor_state(user)
    step_form = forms.CodeForm(request.POST if request.POST.get("step") == "authorise" else None)
    add_form = None
    if request.method == "POST" and request.POST.get("step") == "authorise" and step_form.is_valid():
        try:
            services.passkey_add_authorise(user=user, request=request, **step_form.step_up())
        except ApplicationError as exc:
            _error(request, step_form, exc)
        else:
            return redirect("madoguchi_mfa:passkey_add")
    granted = services._passkey_grant_valid(request)
    if request.method == "POST" and request.POST.get("step") == "create":
        with context.request_context(request):
            add_form = AddWebAuthnForm(request.POST, user=user)
            valid = add_form.is_valid() if granted else False
        if valid:
            try:
                codes = services.passkey_add_complete(
                    user=user,
                    name=add_form.cleaned_data["name"],
                    credential=add_form.cleaned_data["credential"],
                    request=request,
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Passkey added."))
                if codes:
                    _keep_new_codes(request, codes)
                    return redirect("madoguchi_mfa:recovery_codes")
                return redirect("madoguchi_mfa:passkeys")
        elif granted:
            messages.error(request, _("The passkey could not be registered. Try again."))
        granted = services._passkey_grant_valid(request)
    return render(
        request,
        "madoguchi_mfa/passkey_add.html",
        {
            "step_form": step_form,
            "granted": granted,
            "has_passkey": bool(state["passkeys"]),
            "sms_step_up": not state["totp"] and not state["passkeys"] and bool(getattr(user, "phone", None)),
            "action": "passkey_add",
        },
    )


@never_cache
@login_required
def passkey_add_options(request: HttpRequest) -> HttpResponse:
    from django.http import JsonResponse

    try:
        options = services.passkey_add_begin(user=signed_in_user(request), request=request)
    except ApplicationError as exc:
        return JsonResponse({"error": {"code": exc.code, "message": exc.message}}, status=exc.status)
    return JsonResponse({"creation_options": options})
