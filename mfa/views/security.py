"""The security page and what it does in place: the anti-phishing code, the SMS step-up
code, the passkey step-up challenge."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.users import signed_in_user
from mfa import forms, selectors, services


@login_required
def security(request: HttpRequest) -> HttpResponse:
    context = selectors.security_overview_for_user(
        signed_in_user(request), current_session_key=request.session.session_key
    )
    context["anti_phishing_form"] = forms.AntiPhishingForm(
        initial={"value": getattr(request.user, "anti_phishing_code", "")}
    )
    return render(request, "madoguchi_mfa/security.html", context)


@login_required
@require_POST
def step_up_sms(request: HttpRequest) -> HttpResponse:
    """Send an SMS step-up code for the named action (customers without an authenticator)."""
    try:
        services.step_up_sms_send(user=signed_in_user(request), action=request.POST.get("action", ""), request=request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, _("We sent a code by SMS to your registered phone."))
    next_url = request.POST.get("next") or reverse("madoguchi_mfa:security")
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = reverse("madoguchi_mfa:security")
    return HttpResponseRedirect(next_url)


@login_required
@require_POST
def anti_phishing(request: HttpRequest) -> HttpResponse:
    form = forms.AntiPhishingForm(request.POST)
    if form.is_valid():
        try:
            services.anti_phishing_code_set(
                user=signed_in_user(request),
                value=form.cleaned_data["value"],
                request=request,
                **form.step_up(),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your anti-phishing code is saved. It appears at the end of our emails."))
    else:
        messages.error(request, _("Please correct the highlighted fields."))
    return redirect("madoguchi_mfa:security")


@login_required
def passkey_options(request: HttpRequest) -> HttpResponse:
    """WebAuthn request options for a passkey step-up on this page (challenge kept in the session)."""
    from django.http import JsonResponse

    if not selectors.two_factor_state(signed_in_user(request))["passkeys"]:
        return JsonResponse({"error": "no_passkey"}, status=404)
    options = services.passkey_challenge_begin(user=signed_in_user(request), request=request)
    return JsonResponse({"request_options": options})
