"""allauth's headless account endpoints, subclassed and mounted at their own paths.

The paths and answers stay allauth's (``/_allauth/<client>/v1/account/...``,
``.../auth/sessions``, ``.../auth/2fa/{authenticate,reauthenticate}``) so apps keep
working, but every change is made by our writers (``mfa.services``,
``accounts.services``), which pass ``mfa.perimeter``:

- a frozen account: 403 with ``{"errors": [{"code": "account_frozen", ...}], "error": {...}}``;
- a customer with a second factor who has not re-authenticated with it
  (``POST .../auth/2fa/reauthenticate``) for this one change: 401, allauth's answer with
  the ``mfa_reauthenticate`` flow pending (a password re-authentication is not offered);
- recovery codes only in the answer that created them.

``config/urls.py`` mounts these before ``allauth.headless.urls``; the shadowed allauth
views are never reached (the route inventory checks which view answers each path).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from allauth.headless.account import views as account_views
from allauth.headless.base.response import AuthenticationResponse, ReauthenticationResponse, UnauthorizedResponse
from allauth.headless.base.views import AuthenticatedAPIView, AuthenticationStageAPIView
from allauth.headless.internal.restkit import inputs
from allauth.headless.internal.restkit.response import APIResponse
from allauth.headless.mfa import response as mfa_response
from allauth.headless.mfa import views as mfa_views
from allauth.headless.usersessions import views as session_views
from allauth.headless.usersessions.inputs import SelectSessionsInput
from allauth.headless.usersessions.response import SessionsResponse
from allauth.mfa.models import Authenticator
from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import path

from accounts import services as account_services
from accounts.headless_login import enter_stage
from accounts.selectors import session_names
from core.errors import ApplicationError, CommonErrorCode

from . import allauth_forms, perimeter, services
from .headless import respond_after_stage


class SecondFactorReauthenticationResponse(ReauthenticationResponse):
    """allauth's 401 for re-authentication, with only the second-factor flow, pending."""

    def _get_flows(self, request: HttpRequest, user: Any) -> list:
        flows = super()._get_flows(request, user)
        if not perimeter.has_second_factor(user):
            return flows
        flows = [f for f in flows if f["id"] != "reauthenticate"]
        mfa = next((f for f in flows if f["id"] == "mfa_reauthenticate"), None)
        if mfa is None:
            mfa = {"id": "mfa_reauthenticate", "types": []}
            flows.append(mfa)
        if perimeter.can_reauthenticate_with_sms(user):
            mfa["types"] = sorted({*mfa.get("types", []), "sms"})
        mfa["is_pending"] = True
        return flows


def _with_error(response: HttpResponse, exc: ApplicationError) -> HttpResponse:
    body = json.loads(response.content)
    body["error"] = {"code": exc.code, "message": str(exc.message), "fields": exc.fields}
    response.content = json.dumps(body).encode()
    return response


def error_response(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    if exc.code == CommonErrorCode.TWO_FACTOR_REQUIRED and exc.status == HTTPStatus.UNAUTHORIZED:
        return _with_error(SecondFactorReauthenticationResponse(request), exc)
    errors = [{"code": exc.code, "message": str(exc.message)}]
    for field, messages in (exc.fields or {}).items():
        errors += [{"code": exc.code, "message": str(m), "param": field} for m in messages]
    return _with_error(APIResponse(request, errors=errors, status=exc.status), exc)


class PerimeterMixin:
    """Freeze check before input parsing (a frozen account learns nothing else), and
    ApplicationError from our writers rendered in allauth's shape plus our ``error``."""

    guarded_methods: frozenset[str] = frozenset({"POST", "PUT", "PATCH", "DELETE"})
    request: HttpRequest

    def handle(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            if request.user.is_authenticated and request.method in self.guarded_methods and self.frozen_blocks():
                account_services.ensure_not_frozen(request.user)  # type: ignore[arg-type]
            return super().handle(request, *args, **kwargs)  # type: ignore[misc]
        except ApplicationError as exc:
            return error_response(request, exc)

    def frozen_blocks(self) -> bool:
        return True


# --- inputs ---------------------------------------------------------------------------------


class EmailChangeInput(inputs.Input):
    email = inputs.CharField(max_length=254)
    confirmation = inputs.CharField(max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("user", None)
        super().__init__(*args, **kwargs)


class PhoneChangeInput(inputs.Input):
    phone = inputs.CharField(max_length=30)
    confirmation = inputs.CharField(max_length=20, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("user", None)
        super().__init__(*args, **kwargs)


class PasswordChangeInput(inputs.Input):
    current_password = inputs.CharField(required=False)
    new_password = inputs.CharField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("user", None)
        super().__init__(*args, **kwargs)


class TotpActivateInput(inputs.Input):
    code = inputs.CharField(max_length=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("user", None)
        super().__init__(*args, **kwargs)


# --- account: email, phone, password ------------------------------------------------------


class ManageEmailView(PerimeterMixin, account_views.ManageEmailView):
    """GET lists the address. POST ``{"email"}`` starts a change (second factor first; a
    code goes to the new address); POST ``{"email", "confirmation"}`` completes it. Adding
    extra addresses, switching the primary one and deleting are not offered (405)."""

    http_method_names = ["get", "post", "options"]

    def get_input_class(self) -> Any:
        if self.verification_stage_process:  # signing up: allauth's own "change address" step
            return super().get_input_class()
        return EmailChangeInput if self.request.method == "POST" else None

    def frozen_blocks(self) -> bool:
        return bool(self.request.user.is_authenticated)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.verification_stage_process:
            return super().post(request, *args, **kwargs)
        data = self.input.cleaned_data
        if data.get("confirmation"):
            account_services.email_change_confirm(user=request.user, confirmation=data["confirmation"], request=request)  # type: ignore[arg-type]
            return self._respond_email_list()
        account_services.email_change_request(
            user=request.user,  # type: ignore[arg-type]
            new_email=data["email"],
            request=request,
            reauthenticated=True,
        )
        response = self._respond_email_list()
        response.status_code = HTTPStatus.ACCEPTED
        return response


class ManagePhoneView(PerimeterMixin, AuthenticatedAPIView):
    """GET the phone number; POST ``{"phone"}`` starts a change (second factor first; a
    code goes to the new number by SMS); POST ``{"phone", "confirmation"}`` completes it."""

    input_class = {"POST": PhoneChangeInput}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        phone = getattr(request.user, "phone", None)
        return APIResponse(request, data=[{"phone": phone, "verified": True}] if phone else [])

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        data = self.input.cleaned_data
        if data.get("confirmation"):
            number = account_services.phone_change_confirm(
                user=request.user,  # type: ignore[arg-type]
                confirmation=data["confirmation"],
                request=request,
            )
            return APIResponse(request, data=[{"phone": number, "verified": True}])
        account_services.phone_change_request(
            user=request.user,  # type: ignore[arg-type]
            new_phone=data["phone"],
            request=request,
            reauthenticated=True,
        )
        return APIResponse(request, data=[], meta={"confirmation_sent": True}, status=HTTPStatus.ACCEPTED)


class ChangePasswordView(PerimeterMixin, AuthenticatedAPIView):
    input_class = PasswordChangeInput

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        data = self.input.cleaned_data
        account_services.password_change(
            user=request.user,  # type: ignore[arg-type]
            current_password=data.get("current_password") or "",
            new_password=data["new_password"],
            request=request,
            reauthenticated=True,
        )
        return AuthenticationResponse(request)


# --- authenticators ---------------------------------------------------------------------


class ManageTOTPView(PerimeterMixin, mfa_views.ManageTOTPView):
    input_class = {"POST": TotpActivateInput}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from allauth.mfa.totp.internal.auth import get_totp_secret

        codes = services.totp_enable(
            user=request.user,  # type: ignore[arg-type]
            secret=get_totp_secret(regenerate=False),
            code=self.input.cleaned_data["code"],
            request=request,
            reauthenticated=True,
        )
        authenticator = Authenticator.objects.get(user_id=request.user.pk, type=Authenticator.Type.TOTP)
        response = mfa_response.TOTPResponse(request, authenticator)
        return _add_meta(response, {"recovery_codes": codes})

    def delete(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.totp_disable(user=request.user, code=None, request=request, reauthenticated=True)  # type: ignore[arg-type]
        return mfa_response.AuthenticatorDeletedResponse(request)


def _add_meta(response: HttpResponse, meta: dict[str, Any]) -> HttpResponse:
    body = json.loads(response.content)
    body.setdefault("meta", {}).update(meta)
    response.content = json.dumps(body).encode()
    return response


class ManageRecoveryCodesView(PerimeterMixin, mfa_views.ManageRecoveryCodesView):
    """GET tells how many codes are left, never the codes; POST creates new ones (second
    factor re-authentication first) and is the only answer that carries them."""

    input_class = None

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        row = Authenticator.objects.filter(user_id=request.user.pk, type=Authenticator.Type.RECOVERY_CODES).first()
        if row is None:
            return mfa_response.RecoveryCodesNotFoundResponse(request)
        return mfa_response.RecoveryCodesResponse(request, row, can_view=False)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        codes = services.recovery_codes_regenerate(user=request.user, code=None, request=request, reauthenticated=True)  # type: ignore[arg-type]
        row = Authenticator.objects.get(user_id=request.user.pk, type=Authenticator.Type.RECOVERY_CODES)
        response = mfa_response.RecoveryCodesResponse(request, row, can_view=False)
        body = json.loads(response.content)
        body["data"]["unused_codes"] = codes
        response.content = json.dumps(body).encode()
        return response


class ManageWebAuthnView(PerimeterMixin, mfa_views.ManageWebAuthnView):
    """GET: the second-factor re-authentication is spent *here*, before the browser or
    phone creates the credential; then POST stores it. PUT renames, DELETE removes."""

    guarded_methods = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.passkey_add_authorise(user=request.user, request=request, reauthenticated=True)  # type: ignore[arg-type]
        options = services.passkey_add_begin(user=request.user, request=request)  # type: ignore[arg-type]
        return mfa_response.AddWebAuthnResponse(request, options)

    def handle_input(self, data: Any) -> Any:
        if self.request.method == "POST" and not services._passkey_grant_valid(self.request):
            raise perimeter.reauthentication_required()
        return super().handle_input(data)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        codes = services.passkey_add_complete(
            user=request.user,  # type: ignore[arg-type]
            name=self.input.cleaned_data["name"],
            credential=self.input.cleaned_data["credential"],
            request=request,
        )
        authenticator = (
            Authenticator.objects.filter(user_id=request.user.pk, type=Authenticator.Type.WEBAUTHN)
            .order_by("-pk")
            .first()
        )
        meta: dict[str, Any] = {"recovery_codes_generated": bool(codes)}
        if codes:
            meta["recovery_codes"] = codes
        return mfa_response.AuthenticatorResponse(request, authenticator, meta=meta)

    def put(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        authenticator = services.passkey_rename(
            user=request.user,  # type: ignore[arg-type]
            passkey_id=self.input.cleaned_data["id"].pk,
            name=self.input.cleaned_data["name"],
            request=request,
            reauthenticated=True,
        )
        return mfa_response.AuthenticatorResponse(request, authenticator)

    def delete(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        services.passkey_remove(
            user=request.user,  # type: ignore[arg-type]
            passkey_ids=[a.pk for a in self.input.cleaned_data["authenticators"]],
            request=request,
            reauthenticated=True,
        )
        return mfa_response.AuthenticatorsDeletedResponse(request)


class SessionLabelInput(inputs.Input):
    session = forms.IntegerField()
    label = inputs.CharField(max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("user", None)
        super().__init__(*args, **kwargs)


class NamedSessionsResponse(SessionsResponse):
    """allauth's session list plus ``device`` ("Chrome on Windows") and ``label`` (the
    customer's own name, "" when none): fields added, none renamed."""

    def _session_data(self, session: Any) -> dict[str, Any]:
        data = super()._session_data(session)
        data["device"], data["label"] = session_names(session)
        return data


class SessionsView(PerimeterMixin, session_views.SessionsView):
    """GET lists the live sessions (allauth purges ended ones first), DELETE ends the named
    ones (second factor; ending this one signs the app out), PUT ``{"session", "label"}``
    names one (another customer's id: 404)."""

    input_class = {"DELETE": SelectSessionsInput, "PUT": SessionLabelInput}

    def frozen_blocks(self) -> bool:
        return False  # ending sessions only takes access away (mfa.perimeter.POLICIES)

    def put(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        account_services.session_label_set(
            user=request.user,  # type: ignore[arg-type]
            session_id=self.input.cleaned_data["session"],
            label=self.input.cleaned_data.get("label") or "",
            request=request,
        )
        return self._respond_session_list()

    def _respond_session_list(self) -> SessionsResponse:
        from allauth.core.internal.httpkit import authenticated_user
        from allauth.usersessions.models import UserSession

        sessions = UserSession.objects.purge_and_list(authenticated_user(self.request))
        return NamedSessionsResponse(self.request, sessions)

    def delete(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        account_services.sessions_end(
            user=request.user,  # type: ignore[arg-type]
            session_ids=[s.pk for s in self.input.cleaned_data["sessions"]],
            request=request,
            reauthenticated=True,
        )
        if request.user.is_authenticated:
            return self._respond_session_list()
        return AuthenticationResponse(request)


class ManageProvidersView(AuthenticatedAPIView):
    """Lists the connected social providers; disconnecting one (a change of how the
    account signs in) is not offered here (405)."""

    http_method_names = ["get", "options"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from allauth.headless.socialaccount.views import ManageProvidersView as Allauth

        return Allauth.get(self, request, *args, **kwargs)  # type: ignore[arg-type]


# --- the second factor at sign-in and for re-authentication (our code checks) -------------


class AuthenticateView(mfa_views.AuthenticateView):
    input_class = allauth_forms.AuthenticateInput

    def handle(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        from allauth.account.internal.stagekit import LOGIN_SESSION_KEY

        from .headless import SmsAuthenticateView
        from .stages import STAGE_KEY

        # The pending stage's key, read from the session as LoginStageController.enter
        # reads it, without loading the sign-in's user a second time (the view we hand
        # over to enters its stage itself: a login that timed out is refused there).
        pending = request.session.get(LOGIN_SESSION_KEY)
        stages = ((pending or {}).get("state") or {}).get("stages") or {} if isinstance(pending, dict) else {}
        if stages.get("current") == STAGE_KEY:
            # The SMS stage is pending: the code is an SMS code (same answer as .../2fa/sms).
            return SmsAuthenticateView.as_view(client=self.client)(request, *args, **kwargs)
        # allauth's AuthenticationStageAPIView.handle, with the stage entered by
        # accounts.headless_login.enter_stage (the sign-in's user read by a compiled query).
        stage = enter_stage(request, self.stage_class.key)
        if stage is None:
            return UnauthorizedResponse(request)
        self.stage = stage
        return super(AuthenticationStageAPIView, self).handle(request, *args, **kwargs)

    def respond_next_stage(self) -> AuthenticationResponse:
        return respond_after_stage(self.request, self.stage.exit())


class ReauthenticateView(mfa_views.ReauthenticateView):
    input_class = allauth_forms.ReauthenticateInput


def urlpatterns_for(client: str) -> list[Any]:
    """The overrides for one client, relative to ``_allauth/<client>/v1/``."""
    views: list[tuple[str, Any]] = [
        ("account/email", ManageEmailView),
        ("account/phone", ManagePhoneView),
        ("account/password/change", ChangePasswordView),
        ("account/authenticators/totp", ManageTOTPView),
        ("account/authenticators/recovery-codes", ManageRecoveryCodesView),
        ("account/authenticators/webauthn", ManageWebAuthnView),
        ("auth/sessions", SessionsView),
        ("account/providers", ManageProvidersView),
        ("auth/2fa/authenticate", AuthenticateView),
        ("auth/2fa/reauthenticate", ReauthenticateView),
    ]
    return [
        path(f"_allauth/{client}/v1/{route}", view.as_api_view(client=client), name=f"madoguchi_headless_{client}_{i}")
        for i, (route, view) in enumerate(views)
    ]


urlpatterns = urlpatterns_for("app") + urlpatterns_for("browser")
