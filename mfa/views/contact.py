"""Email and phone changes: second factor + new value, then the code sent to the new value."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import services as account_services
from core.errors import ApplicationError
from core.users import signed_in_user
from mfa import forms, selectors


def _change_view(request: HttpRequest, *, kind: str) -> HttpResponse:
    """Two steps on one page: step-up + new value, then the code sent to the new value."""
    user = signed_in_user(request)
    form_class = forms.EmailChangeForm if kind == "email" else forms.PhoneChangeForm
    start_form = form_class(request.POST if request.POST.get("step") == "start" else None)
    confirm_form = forms.ConfirmForm(request.POST if request.POST.get("step") == "confirm" else None)
    sent = bool(request.session.get(f"madoguchi_mfa.change_{kind}"))
    if request.method == "POST" and request.POST.get("step") == "start" and start_form.is_valid():
        try:
            if kind == "email":
                account_services.email_change_request(
                    user=user,
                    new_email=start_form.cleaned_data["new_email"],
                    request=request,
                    **start_form.step_up(),
                )
            else:
                account_services.phone_change_request(
                    user=user,
                    new_phone=start_form.cleaned_data["new_phone"],
                    request=request,
                    **start_form.step_up(),
                )
        except ApplicationError as exc:
            field = next(iter(exc.fields), "code")
            start_form.add_error(field if field in start_form.fields else "code", exc.message)
        else:
            request.session[f"madoguchi_mfa.change_{kind}"] = True
            return redirect(f"madoguchi_mfa:{kind}_change")
    if request.method == "POST" and request.POST.get("step") == "confirm" and confirm_form.is_valid():
        try:
            if kind == "email":
                account_services.email_change_confirm(
                    user=user, confirmation=confirm_form.cleaned_data["confirmation"], request=request
                )
            else:
                account_services.phone_change_confirm(
                    user=user, confirmation=confirm_form.cleaned_data["confirmation"], request=request
                )
        except ApplicationError as exc:
            confirm_form.add_error("confirmation", exc.message)
        else:
            request.session.pop(f"madoguchi_mfa.change_{kind}", None)
            messages.success(request, _("Saved."))
            return redirect("madoguchi_mfa:security")
    state = selectors.two_factor_state(user)
    return render(
        request,
        "madoguchi_mfa/change.html",
        {
            "kind": kind,
            "start_form": start_form,
            "confirm_form": confirm_form,
            "sent": sent,
            "sms_step_up": not state["totp"] and not state["passkeys"] and bool(getattr(user, "phone", None)),
            "has_passkey": bool(state["passkeys"]),
            "action": f"{kind}_change",
        },
    )


@login_required
def email_change(request: HttpRequest) -> HttpResponse:
    return _change_view(request, kind="email")


@login_required
def phone_change(request: HttpRequest) -> HttpResponse:
    return _change_view(request, kind="phone")
