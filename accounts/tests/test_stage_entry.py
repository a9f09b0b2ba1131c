"""accounts.headless_login.enter_stage: allauth's stage entry for the second-step views, with
the sign-in's user read by a compiled query; the same stage and the same refusals."""

from __future__ import annotations

from importlib import import_module

import pytest
from allauth.account import app_settings as account_settings
from allauth.account.stages import LoginStageController
from django.conf import settings
from django.test import RequestFactory

from accounts.headless_login import enter_stage
from conftest import TEST_PASSWORD
from mfa.tests.helpers import code_now, enable_totp

pytestmark = pytest.mark.django_db

MFA_STAGE = "mfa_authenticate"


def _pending(api_client, user_factory):
    user = user_factory(email="stage@example.jp")
    enable_totp(user)
    response = api_client.login_app(user.email, TEST_PASSWORD)
    assert response.status_code == 401
    return user


def _request_with(token: str):
    request = RequestFactory().post("/_allauth/app/v1/auth/2fa/authenticate")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(token)
    return request


def test_the_same_stage_and_user_as_allauths_entry(api_client, user_factory):
    user = _pending(api_client, user_factory)

    ours = enter_stage(_request_with(api_client.token), MFA_STAGE)
    allauths = LoginStageController.enter(_request_with(api_client.token), MFA_STAGE)

    assert ours is not None and allauths is not None
    assert type(ours) is type(allauths)
    assert ours.login.user == allauths.login.user == user
    assert ours.login.serialize() == allauths.login.serialize()


def test_another_stage_or_no_sign_in_enters_nothing(api_client, user_factory):
    _pending(api_client, user_factory)

    assert enter_stage(_request_with(api_client.token), "mfa_trust") is None
    assert enter_stage(_request_with("no-such-session"), MFA_STAGE) is None


def test_an_expired_sign_in_is_refused_and_cleared(api_client, user_factory, time_machine):
    import time

    from allauth.account.internal.stagekit import LOGIN_SESSION_KEY

    time_machine.move_to(time.time(), tick=False)
    _pending(api_client, user_factory)
    time_machine.shift(account_settings.LOGIN_TIMEOUT + 5)
    request = _request_with(api_client.token)

    assert enter_stage(request, MFA_STAGE) is None
    assert LOGIN_SESSION_KEY not in request.session


def test_the_code_step_answers_as_before(api_client, user_factory):
    _pending(api_client, user_factory)

    assert api_client.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": code_now()}).status_code == 200
    # signed in under a new session id: the token of the pending sign-in is gone
    assert api_client.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": code_now()}).status_code == 410
