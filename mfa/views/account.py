"""The password change and the sessions page (allauth's own pages are not mounted)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts import services as account_services
from accounts.selectors import sessions_for_user
from core.errors import ApplicationError
from core.users import signed_in_user
from mfa import forms, selectors


@never_cache
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    state = selectors.two_factor_state(signed_in_user(request))
    form = forms.PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.password_change(
                user=request.user,  # type: ignore[arg-type]
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
                request=request,
                **form.step_up(),
            )
        except ApplicationError as exc:
            field = next(iter(exc.fields), "code")
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Your password is changed. Your other devices were signed out."))
            return redirect("madoguchi_mfa:security")
    return render(
        request,
        "madoguchi_mfa/password_change.html",
        {
            "form": form,
            "has_passkey": bool(state["passkeys"]),
            "sms_step_up": not state["totp"] and not state["passkeys"] and bool(getattr(request.user, "phone", None)),
            "action": "password_change",
        },
    )


@never_cache
@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    """The customer's live sessions. ``?end=<id>`` asks to confirm signing one out (with the
    second factor; the SMS step-up comes back to the same question), ``?rename=<id>`` names
    one. POST ``session`` ends that one (this one too: then the customer is signed out),
    POST without it ends every other session, POST ``label`` renames."""
    from django.http import Http404

    state = selectors.two_factor_state(signed_in_user(request))
    live = sessions_for_user(signed_in_user(request), current_session_key=request.session.session_key)

    def pick(raw: Any) -> Any:
        """The listed session with this id; anything else (another customer's, ended) is a 404."""
        try:
            wanted = int(raw)
        except (TypeError, ValueError):
            raise Http404 from None
        for s in live:
            if s.id == wanted:
                return s
        raise Http404

    ending = pick(request.GET["end"]) if request.GET.get("end") else None
    renaming = pick(request.GET["rename"]) if request.GET.get("rename") else None
    form = forms.SessionsEndForm(request.POST if request.method == "POST" else None)
    label_error = ""
    if request.method == "POST" and "label" in request.POST:
        renaming = pick(request.POST.get("session"))
        try:
            account_services.session_label_set(
                user=request.user,  # type: ignore[arg-type]
                session_id=renaming.id,
                label=request.POST.get("label", ""),
                request=request,
            )
        except ApplicationError as exc:
            label_error = exc.message
        else:
            messages.success(request, _("Device name saved."))
            return redirect("madoguchi_mfa:sessions")
    elif request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data.get("session")
        if chosen:
            ending = pick(chosen)
        try:
            count = account_services.sessions_end(
                user=request.user,  # type: ignore[arg-type]
                session_ids=[ending.id] if ending else None,
                request=request,
                **form.step_up(),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            if ending is not None and ending.current:
                # This session has ended: the customer is signed out here as well.
                return redirect("account_login")
            if ending is not None:
                messages.success(request, _("Signed out %(device)s.") % {"device": ending.name})
            else:
                messages.success(request, _("Signed out %(count)d device(s).") % {"count": count})
            return redirect("madoguchi_mfa:sessions")
    return render(
        request,
        "madoguchi_mfa/sessions.html",
        {
            "form": form,
            "sessions": live,
            "ending": ending,
            "renaming": renaming,
            "label_error": label_error,
            "label_max": account_services.SESSION_LABEL_MAX,
            "has_passkey": bool(state["passkeys"]),
            "sms_step_up": not state["totp"] and not state["passkeys"] and bool(getattr(request.user, "phone", None)),
            "action": "sessions_end",
        },
    )
