"""The sign-in code check reads the lock with the authenticators (one statement) and the
failure counter with the throttle hits (one round trip on Redis): what each answer is and
what it counts stays as when they were read one by one (on SQLite and PostgreSQL+Redis)."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import ratelimit
from mfa.internal import authenticators, guard
from mfa.models import SecondFactorLock
from mfa.tests.helpers import DEMO_SECRET, code_at, enable_totp

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 21, 3, 0, 5, tzinfo=dt.UTC)
BASE = "/_allauth/app/v1"
THROTTLES = [("mfa:code:user:{pk}", 300), ("mfa:code:ip:127.0.0.1", 300)]


def _throttle_counts(user) -> list[int]:
    return [ratelimit.peek(key.format(pk=user.pk), period=period) for key, period in THROTTLES]


def _at_second_step(api_client, user_factory, time_machine):
    time_machine.move_to(T0, tick=False)
    user = user_factory()
    enable_totp(user)
    assert api_client.login_app(user.email).status_code == 401
    return user


def _authenticate(api_client, code: str):
    return api_client.post(f"{BASE}/auth/2fa/authenticate", {"code": code}, headers={"Accept-Language": "en"})


def _refusal(response) -> tuple[int, list[str]]:
    """allauth's answer to a refused code: 400 with the code's errors."""
    return response.status_code, [e["code"] for e in response.json()["errors"]]


def test_a_locked_second_factor_refuses_a_right_code_without_counting_an_attempt(
    api_client, user_factory, time_machine
):
    user = _at_second_step(api_client, user_factory, time_machine)
    SecondFactorLock.objects.create(user=user, failures=20)
    response = _authenticate(api_client, code_at(DEMO_SECRET, T0.timestamp()))
    assert _refusal(response) == (400, ["two_factor_locked"])
    assert "locked after too many wrong codes" in response.json()["errors"][0]["message"]
    assert _throttle_counts(user) == [0, 0]


def test_a_failure_count_at_the_threshold_locks_without_counting_an_attempt(
    api_client, user_factory, time_machine, settings, outbox
):
    settings.MADOGUCHI_MFA_LOCK_AFTER_FAILURES = 3
    user = _at_second_step(api_client, user_factory, time_machine)
    for _ in range(3):
        guard.failures_record(user.pk)  # the lock row itself was rolled back elsewhere
    response = _authenticate(api_client, code_at(DEMO_SECRET, T0.timestamp()))
    assert _refusal(response) == (400, ["two_factor_locked"])
    assert "locked after too many wrong codes" in response.json()["errors"][0]["message"]
    assert SecondFactorLock.objects.filter(user=user, failures=3).exists()
    assert len(outbox.emails(to=user.email, kind="mfa_locked")) == 1
    assert _throttle_counts(user) == [0, 0]


def test_below_the_threshold_every_attempt_counts_and_a_right_code_resets_the_failures(
    api_client, user_factory, time_machine, settings
):
    settings.MADOGUCHI_MFA_LOCK_AFTER_FAILURES = 3
    user = _at_second_step(api_client, user_factory, time_machine)
    wrong = _authenticate(api_client, "000000" if code_at(DEMO_SECRET, T0.timestamp()) != "000000" else "111111")
    assert _refusal(wrong) == (400, ["two_factor_invalid"])
    assert guard.failures_count(user.pk) == 1
    assert _throttle_counts(user) == [1, 1]
    ok = _authenticate(api_client, code_at(DEMO_SECRET, T0.timestamp()))
    assert ok.status_code == 200, ok.content
    assert guard.failures_count(user.pk) == 0
    assert _throttle_counts(user) == [2, 2]


def test_the_account_throttle_refuses_before_the_address_is_counted(api_client, user_factory, time_machine, settings):
    settings.MADOGUCHI_MFA_RATE_ACCOUNT = (1, 300)
    user = _at_second_step(api_client, user_factory, time_machine)
    assert _authenticate(api_client, "000000").status_code == 400
    limited = _authenticate(api_client, code_at(DEMO_SECRET, T0.timestamp()))
    assert _refusal(limited) == (400, ["rate_limited"])
    assert _throttle_counts(user) == [2, 1]  # the refused attempt gave the address back


def _orm(user) -> list[dict]:
    return sorted(
        (
            {f.attname: getattr(a, f.attname) for f in Authenticator._meta.concrete_fields}
            for a in Authenticator.objects.filter(user_id=user.pk)
        ),
        key=lambda row: row["id"],
    )


def _fast(rows: list[Authenticator]) -> list[dict]:
    return sorted(
        ({f.attname: getattr(a, f.attname) for f in Authenticator._meta.concrete_fields} for a in rows),
        key=lambda row: row["id"],
    )


def test_the_rows_and_the_lock_in_one_statement_are_the_orms(user_factory):
    user, other = user_factory(), user_factory()
    enable_totp(user)
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).update(last_used_at=T0)
    enable_totp(other)
    SecondFactorLock.objects.create(user=other)
    with CaptureQueriesContext(connection) as queries:
        rows, locked = authenticators.for_user_and_lock(user)
    assert len(queries) == 1
    assert _fast(rows) == _orm(user) and len(rows) == 2 and not locked
    assert all(not a._state.adding and a._state.db == "default" for a in rows)
    totp_row = next(a for a in rows if a.type == Authenticator.Type.TOTP)
    assert totp_row.last_used_at == T0 and isinstance(totp_row.data, dict)
    rows, locked = authenticators.for_user_and_lock(other)
    assert _fast(rows) == _orm(other) and locked


def test_without_authenticators_the_lock_is_still_read(user_factory):
    user = user_factory()
    assert authenticators.for_user_and_lock(user) == ([], False)
    SecondFactorLock.objects.create(user=user)
    assert authenticators.for_user_and_lock(user) == ([], True)


def test_hit_many_below_counts_only_below_the_gate():
    items = [("t:a", 60), ("t:b", 60)]
    assert ratelimit.hit_many_below("gate:1", 2, items) == (0, [1, 1])
    ratelimit.count("gate:1", timeout=60)
    assert ratelimit.hit_many_below("gate:1", 2, items) == (1, [2, 2])
    ratelimit.count("gate:1", timeout=60)
    assert ratelimit.hit_many_below("gate:1", 2, items) == (2, None)
    assert ratelimit.peek_many(items) == [2, 2]


def test_hit_many_below_reads_a_gate_written_through_the_cache():
    cache.set("gate:2", 5)
    assert ratelimit.hit_many_below("gate:2", 5, [("t:c", 60)]) == (5, None)
    assert ratelimit.hit_many_below("gate:2", 6, [("t:c", 60)]) == (5, [1])


def test_hit_many_below_reads_a_gate_that_is_not_a_plain_count():
    cache.set("gate:3", 5.0)  # pickled on Redis: read through the cache, counted the slow way
    assert ratelimit.hit_many_below("gate:3", 5, [("t:d", 60)]) == (5, None)
    assert ratelimit.hit_many_below("gate:3", 6, [("t:d", 60)]) == (5, [1])


def test_for_user_reads_the_orms_rows_in_one_statement(user_factory):
    user, nobody = user_factory(), user_factory()
    enable_totp(user)
    SecondFactorLock.objects.create(user=user)
    with CaptureQueriesContext(connection) as queries:
        rows = authenticators.for_user(user)
    assert len(queries) == 1 and "secondfactorlock" not in queries[0]["sql"].lower()
    assert _fast(rows) == _orm(user) and len(rows) == 2
    assert authenticators.for_user(nobody) == []
