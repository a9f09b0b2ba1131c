import base64
import json

import pytest
import time_machine

from core.captcha import create_challenge, verify_or_raise
from core.errors import ApplicationError
from tests_support.captcha import solve_challenge

pytestmark = pytest.mark.django_db


def test_a_solved_challenge_passes_once():
    payload = solve_challenge(create_challenge())

    verify_or_raise(payload, None)
    with pytest.raises(ApplicationError) as replay:
        verify_or_raise(payload, None)
    assert replay.value.code == "captcha_invalid"


def test_a_forged_solution_is_refused():
    challenge = create_challenge()
    payload = json.loads(base64.b64decode(solve_challenge(challenge)))
    payload["number"] += 1

    with pytest.raises(ApplicationError):
        verify_or_raise(base64.b64encode(json.dumps(payload).encode()).decode(), None)


def test_a_challenge_signed_with_another_key_is_refused(settings):
    challenge = create_challenge()
    settings.SECRET_KEY = "another-secret-key-entirely-different-from-the-first"

    with pytest.raises(ApplicationError):
        verify_or_raise(solve_challenge(challenge), None)


def test_an_expired_solution_is_refused_with_advice():
    with time_machine.travel("2026-11-21 10:00:00+00:00", tick=False):
        payload = solve_challenge(create_challenge())
    with time_machine.travel("2026-11-21 10:11:00+00:00", tick=False), pytest.raises(ApplicationError) as error:
        verify_or_raise(payload, None)
    assert "browser" in error.value.message or "ブラウザ" in error.value.message


@pytest.mark.parametrize("garbage", ["", "not-base64", base64.b64encode(b"[]").decode(), "x" * 5000])
def test_garbage_is_refused(garbage):
    with pytest.raises(ApplicationError):
        verify_or_raise(garbage, None)
