"""The password request of sign-in for headless clients (``POST /_allauth/<client>/v1/auth/login``).

allauth's own ``LoginView`` (its input, flow and answers), mounted at its path before
``allauth.headless.urls`` (``config/urls.py``), with two changes. Its ``login`` rate is
counted by ``accounts.login_limit`` (one round trip instead of four; same rate, address and
429 answer), in place of allauth's decorator on ``handle``. And one read fewer: when the password
is accepted and a stage is still to come (every customer's second step), allauth answers
401 with the pending flow, and finds that stage by loading the sign-in it has just stashed
in the session (``Login.deserialize``, which reads the user again). This view builds the
same answer from the sign-in in hand, when the session holds exactly that sign-in; in any
other case (signed in, no login stashed, a different one) allauth's answer is built as
before. Requests, answers and checks are allauth's; only the second read of the user goes.
"""

from __future__ import annotations

import time
from typing import Any

from allauth import app_settings as allauth_settings
from allauth.account import app_settings as account_settings
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.internal import flows
from allauth.account.internal.stagekit import LOGIN_SESSION_KEY
from allauth.account.models import Login
from allauth.account.stages import LoginStage, LoginStageController
from allauth.headless.account import views as account_views
from allauth.headless.base.response import AuthenticationResponse
from allauth.headless.constants import Flow
from allauth.mfa import app_settings as mfa_settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import path

from . import login_limit


class _PendingStageResponse(AuthenticationResponse):
    """allauth's ``AuthenticationResponse`` for a visitor who is not signed in yet, with the
    pending stage taken from ``login`` (the sign-in this request has just stashed) instead
    of a fresh ``Login.deserialize`` of the session's copy."""

    def __init__(self, request: HttpRequest, login: Login) -> None:
        self._login = login
        super().__init__(request)

    def _get_flows(self, request: HttpRequest, user: Any) -> list[Any]:
        # allauth.headless.base.response.BaseAuthenticationResponse._get_flows for the
        # visitor who is not signed in, line for line, with the stage from self._login.
        ret: list[Any] = []
        if not allauth_settings.SOCIALACCOUNT_ONLY:
            ret.append({"id": Flow.LOGIN})
        if account_settings.LOGIN_BY_CODE_ENABLED:
            ret.append({"id": Flow.LOGIN_BY_CODE})
        if get_account_adapter().is_open_for_signup(request) and not allauth_settings.SOCIALACCOUNT_ONLY:
            ret.append({"id": Flow.SIGNUP})
        if allauth_settings.SOCIALACCOUNT_ENABLED:
            from allauth.headless.socialaccount.response import provider_flows

            ret.extend(provider_flows(request))
        if allauth_settings.MFA_ENABLED and mfa_settings.PASSKEY_LOGIN_ENABLED:
            ret.append({"id": Flow.MFA_LOGIN_WEBAUTHN})
        stage: LoginStage | None = LoginStageController(request, self._login).get_pending_stage()
        stage_key = stage.key if stage else None
        if stage_key is None:
            lsk = request.session.get(LOGIN_SESSION_KEY)
            if isinstance(lsk, str):
                stage_key = lsk
        if stage_key:
            pending_flow = {"id": stage_key, "is_pending": True}
            if stage and stage_key == Flow.MFA_AUTHENTICATE:
                self._enrich_mfa_flow(stage, pending_flow)
            self._upsert_pending_flow(ret, pending_flow)
        if not allauth_settings.SOCIALACCOUNT_ONLY and account_settings.PASSWORD_RESET_BY_CODE_ENABLED:
            from allauth.account.internal.flows import password_reset_by_code

            ret.append(
                {
                    "id": Flow.PASSWORD_RESET_BY_CODE,
                    "is_pending": bool(password_reset_by_code.PasswordResetVerificationProcess.resume(request)),
                }
            )
        return ret


def _stashed_is(request: HttpRequest, login: Login) -> bool:
    """Whether the session holds ``login`` as allauth's stage lookup would load it: stashed by
    this request, unexpired, for a visitor not signed in."""
    if request.user.is_authenticated:
        return False
    data = request.session.get(LOGIN_SESSION_KEY)
    if not isinstance(data, dict) or data != login.serialize():
        return False
    return time.time() - login.initiated_at <= account_settings.LOGIN_TIMEOUT


class LoginView(account_views.LoginView):
    def handle(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        refusal = login_limit.refused(request)
        if refusal is not None:
            return refusal
        # The handler under allauth's rate-limit decorator (RESTView.handle): the same input
        # parsing, validation and dispatch to post().
        return super(account_views.LoginView, self).handle(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return super().post(request, *args, **kwargs)  # allauth's 409
        login = self.input.login
        response = flows.login.perform_password_login(request, self.input.cleaned_data, login)
        if isinstance(response, AuthenticationResponse):
            return response
        if _stashed_is(request, login):
            return _PendingStageResponse(request, login)
        return AuthenticationResponse(request)  # what allauth's from_response gives then


def urlpatterns_for(client: str) -> list[Any]:
    return [
        path(
            f"_allauth/{client}/v1/auth/login",
            LoginView.as_api_view(client=client),
            name=f"madoguchi_headless_{client}_login",
        )
    ]


urlpatterns = urlpatterns_for("app") + urlpatterns_for("browser")


def enter_stage(request: HttpRequest, stage_key: str) -> LoginStage | None:
    """allauth's ``LoginStageController.enter(request, stage_key)`` (with ``unstash_login``'s
    peek) for the headless second-step views, with the sign-in's user read through
    ``accounts.usercache.pk_loader`` (its SQL compiled once) instead of the ORM query that
    ``Login.deserialize`` runs: allauth deserialises everything else, the same stage is
    returned in the same cases (no sign-in stashed, expired — then cleared —, another stage
    current, the stage not among the adapter's)."""
    from allauth.account.internal.stagekit import clear_login
    from allauth.account.utils import url_str_to_user_pk

    from .usercache import pk_loader

    data = request.session.get(LOGIN_SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        login = Login.deserialize({**data, "user_pk": None})
        user_pk = data["user_pk"]
        if user_pk is not None:
            login.user = pk_loader().get(url_str_to_user_pk(user_pk))
    except ValueError:
        return None
    if time.time() - login.initiated_at > account_settings.LOGIN_TIMEOUT:
        clear_login(request)
        return None
    request._account_login_accessed = True  # type: ignore[attr-defined]
    controller = LoginStageController(request, login)
    if controller.state.get("current") != stage_key:
        return None
    for stage in controller.get_stages():
        if stage.key == stage_key:
            return stage
    return None
