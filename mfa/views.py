"""Thin HTML views: the security page, TOTP, recovery codes, SMS sign-in step, changes."""

from __future__ import annotations

from typing import Any, cast

import segno
from allauth.account.internal.decorators import login_stage_required
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.models import User
from accounts.selectors import sessions_for_user
from core.errors import ApplicationError

from . import conf, forms, selectors, services
from .stages import STAGE_KEY

SETUP_SECRET_KEY = "madoguchi_mfa.setup_secret"  # noqa: S105 (a session key name)
NEW_CODES_KEY = "madoguchi_mfa.new_recovery_codes"
NEW_CODES_TTL = 15 * 60  # new codes can be shown/downloaded for this long after creation


def _customer(request: HttpRequest) -> User:
    """The signed-in customer: every view that calls it is behind ``login_required``."""
    return cast(User, request.user)


def _keep_new_codes(request: HttpRequest, codes: list[str]) -> None:
    import time

    request.session[NEW_CODES_KEY] = {"codes": codes, "at": time.time()}


def _new_codes(request: HttpRequest) -> list[str] | None:
    """Codes created moments ago in this session, else None (never read back later)."""
    import time

    kept = request.session.get(NEW_CODES_KEY)
    if not isinstance(kept, dict) or time.time() - float(kept.get("at") or 0) > NEW_CODES_TTL:
        request.session.pop(NEW_CODES_KEY, None)
        return None
    return list(kept.get("codes") or [])


def _group(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _error(request: HttpRequest, form: Any, exc: ApplicationError, field: str = "code") -> None:
    if field in form.fields:
        form.add_error(field, exc.message)
    else:
        form.add_error(None, exc.message)


@login_required
def security(request: HttpRequest) -> HttpResponse:
    context = selectors.security_overview_for_user(_customer(request), current_session_key=request.session.session_key)
    context["anti_phishing_form"] = forms.AntiPhishingForm(
        initial={"value": getattr(request.user, "anti_phishing_code", "")}
    )
    return render(request, "madoguchi_mfa/security.html", context)


@never_cache
@login_required
def totp_setup(request: HttpRequest) -> HttpResponse:
    user = _customer(request)
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
    if not selectors.two_factor_state(_customer(request))["totp"]:
        return redirect("madoguchi_mfa:security")
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_disable(user=_customer(request), request=request, **form.step_up())
        except ApplicationError as exc:
            _error(request, form, exc)
        else:
            messages.success(
                request, _("Two-factor authentication is off. The old key and recovery codes no longer work.")
            )
            return redirect("madoguchi_mfa:security")
    has_passkey = bool(selectors.two_factor_state(_customer(request))["passkeys"])
    return render(request, "madoguchi_mfa/totp_disable.html", {"form": form, "has_passkey": has_passkey})


@never_cache
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.recovery_codes_regenerate(user=_customer(request), request=request, **form.step_up())
        except ApplicationError as exc:
            _error(request, form, exc)
        else:
            _keep_new_codes(request, codes)
            return redirect("madoguchi_mfa:recovery_codes")
    new_codes = _new_codes(request)
    state = selectors.two_factor_state(_customer(request))
    return render(
        request,
        "madoguchi_mfa/recovery_codes.html",
        {"form": form, "new_codes": new_codes, "state": state, "has_passkey": bool(state["passkeys"])},
    )


@never_cache
@login_required
def recovery_codes_download(request: HttpRequest) -> HttpResponse:
    codes = _new_codes(request)
    if not codes:
        return redirect("madoguchi_mfa:recovery_codes")
    text = "\n".join(
        [
            _("madoguchi recovery codes (each works once). Keep them somewhere safe."),
            getattr(request.user, "email", ""),
            "",
            *codes,
        ]
    )
    response = HttpResponse(text + "\n", content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="madoguchi-recovery-codes.txt"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def recovery_codes_saved(request: HttpRequest) -> HttpResponse:
    request.session.pop(NEW_CODES_KEY, None)
    return redirect("madoguchi_mfa:security")


@login_required
@require_POST
def step_up_sms(request: HttpRequest) -> HttpResponse:
    """Send an SMS step-up code for the named action (customers without an authenticator)."""
    try:
        services.step_up_sms_send(user=_customer(request), action=request.POST.get("action", ""), request=request)
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
                user=_customer(request),
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

    if not selectors.two_factor_state(_customer(request))["passkeys"]:
        return JsonResponse({"error": "no_passkey"}, status=404)
    options = services.passkey_challenge_begin(user=_customer(request), request=request)
    return JsonResponse({"request_options": options})


def _sms_stage_or_redirect(view: Any) -> Any:
    from functools import wraps

    from allauth.account.stages import LoginStageController
    from allauth.mfa.stages import AuthenticateStage

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        if LoginStageController.enter(request, AuthenticateStage.key) is not None:
            # An authenticator customer: never let the SMS path stand in for it.
            return redirect("mfa_authenticate")
        return login_stage_required(stage=STAGE_KEY, redirect_urlname="account_login")(view)(request)

    return wrapper


@_sms_stage_or_redirect
def login_sms(request: HttpRequest) -> HttpResponse:
    stage = request._login_stage  # type: ignore[attr-defined]
    user = stage.login.user
    form = forms.SmsLoginForm(request.POST or None)
    if request.method == "POST" and "cancel" in request.POST:
        from allauth.account.internal.stagekit import clear_login

        clear_login(request)
        return redirect("account_login")
    if request.method == "POST" and "resend" in request.POST:
        try:
            services.sms_code_send(user=user, purpose="login", request=request)
        except ApplicationError as exc:
            stage.state["notice"] = exc.message
        else:
            stage.state.pop("notice", None)
            messages.info(request, _("We sent a new code. Earlier codes no longer work."))
        from allauth.account.internal.stagekit import stash_login

        stash_login(request, stage.login)
        return redirect("madoguchi_mfa:login_sms")
    if request.method == "POST" and form.is_valid():
        try:
            services.sms_login_verify(user=user, code=form.cleaned_data["code"], request=request)
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            from allauth.account.internal.flows.login import record_authentication

            record_authentication(request, user, "sms")
            return stage.exit()
    phone = getattr(user, "phone", "") or ""
    return render(
        request,
        "madoguchi_mfa/login_sms.html",
        {
            "form": form,
            "phone_tail": phone[-4:],
            "resend_after": conf.get("SMS_RESEND_COOLDOWN"),
            "notice": stage.state.get("notice") or "",
        },
    )


def _change_view(request: HttpRequest, *, kind: str) -> HttpResponse:
    """Two steps on one page: step-up + new value, then the code sent to the new value."""
    user = _customer(request)
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


# --- password, passkeys, sessions: the product's pages (allauth's are not mounted) -------


@never_cache
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    state = selectors.two_factor_state(_customer(request))
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
def passkeys(request: HttpRequest) -> HttpResponse:
    """List passkeys; remove or rename one (second factor with the request)."""
    state = selectors.two_factor_state(_customer(request))
    form = forms.PasskeyManageForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data.get("name"):
                services.passkey_rename(
                    user=_customer(request),
                    passkey_id=form.cleaned_data["passkey"],
                    name=form.cleaned_data["name"],
                    request=request,
                    **form.step_up(),
                )
            else:
                services.passkey_remove(
                    user=_customer(request),
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
            "passkeys": selectors.passkeys_for_user(_customer(request)),
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

    user = _customer(request)
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
        options = services.passkey_add_begin(user=_customer(request), request=request)
    except ApplicationError as exc:
        return JsonResponse({"error": {"code": exc.code, "message": exc.message}}, status=exc.status)
    return JsonResponse({"creation_options": options})


@never_cache
@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    """The customer's live sessions. ``?end=<id>`` asks to confirm signing one out (with the
    second factor; the SMS step-up comes back to the same question), ``?rename=<id>`` names
    one. POST ``session`` ends that one (this one too: then the customer is signed out),
    POST without it ends every other session, POST ``label`` renames."""
    from django.http import Http404

    state = selectors.two_factor_state(_customer(request))
    live = sessions_for_user(_customer(request), current_session_key=request.session.session_key)

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
