"""nginx on loopback in front of gunicorn: limits and audit rows follow the real client address.

PostgreSQL + Redis pass only (gunicorn is a separate process and must see the test's rows
and rate-limit counters). Clients connect to nginx from different loopback source addresses
(127.0.0.21, 127.0.0.22, ...); nginx appends the address it saw to X-Forwarded-For, and the app
runs with MADOGUCHI_TRUSTED_PROXY_COUNT=1 as the README's deployment section says.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tests_support import nginx
from tests_support.captcha import solve_challenge

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not nginx.available(), reason="nginx (Debian package) is not installed"),
]

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Owner-2026-pass"
ATTACKER = "127.0.0.21"
OWNER = "127.0.0.22"
OWNER_TOTP_SECRET = "JBSWY3DPEHPK3PXP"


@pytest.fixture
def gunicorn(tmp_path: Path) -> Iterator[int]:
    port = nginx.free_port(18750, 18799)
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        MADOGUCHI_TESTING="1",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CACHE_KEY_PREFIX=settings.CACHES["default"]["KEY_PREFIX"],
        MADOGUCHI_TRUSTED_PROXY_COUNT="1",
        MADOGUCHI_CAPTCHA_MAXNUMBER="300",
        MADOGUCHI_VAR_DIR=str(tmp_path / "var"),
        MADOGUCHI_SMS_ECHO_CONSOLE="0",
    )
    env.pop("PYTEST_XDIST_WORKER", None)  # the prefix above already carries it
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "1",
            "--forwarded-allow-ips",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        nginx.wait_for_port(port, timeout=60, process=process)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture
def proxy(gunicorn: int) -> Iterator[nginx.Nginx]:
    with nginx.Nginx(upstream_port=gunicorn) as running:
        yield running


def _request(
    proxy: nginx.Nginx, method: str, path: str, *, source: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=30, source_address=(source, 0))
    try:
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json", "Accept-Language": "en", **(headers or {})}
        conn.request(method, path, body=payload, headers=all_headers)
        response = conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, raw.decode(errors="replace")
    finally:
        conn.close()


def _login(proxy: nginx.Nginx, email: str, password: str, *, source: str, headers: dict[str, str] | None = None):
    _status, challenge = _request(proxy, "GET", "/api/v1/captcha", source=source)
    captcha = solve_challenge(challenge)
    return _request(
        proxy,
        "POST",
        "/_allauth/app/v1/auth/login",
        source=source,
        body={"email": email, "password": password, "captcha": captcha},
        headers={"User-Agent": "madoguchi-test-app/1.0", **(headers or {})},
    )


def _codes(body: Any) -> set[str]:
    return {e.get("code", "") for e in body.get("errors", [])} if isinstance(body, dict) else set()


def test_limits_follow_the_real_client_behind_nginx_and_spoofing_does_not_move_them(proxy, user_factory):
    from allauth.mfa.totp.internal.auth import TOTP

    from core.models import AuditEvent
    from tests_support.totp import totp

    # the owner has an authenticator app: her sign-in is the password, then its code
    owner = user_factory(email="owner@example.jp", password=PASSWORD)
    TOTP.activate(owner, OWNER_TOTP_SECRET)

    # when an attacker at one address tries five wrong passwords for the owner's account
    for n in range(5):
        status, body = _login(proxy, owner.email, f"Guess{n}word", source=ATTACKER)
        assert status == 400 and "too_many_login_attempts" not in _codes(body), body

    # then that address is refused, even with the right password
    status, body = _login(proxy, owner.email, PASSWORD, source=ATTACKER)
    assert status == 400 and "too_many_login_attempts" in _codes(body), body

    # and a forged X-Forwarded-For from the same client does not give it a fresh bucket
    for forged in ("203.0.113.99", "203.0.113.98, 198.51.100.4"):
        status, body = _login(proxy, owner.email, PASSWORD, source=ATTACKER, headers={"X-Forwarded-For": forged})
        assert status == 400 and "too_many_login_attempts" in _codes(body), (forged, body)

    # while the owner, from her own address (through the same load balancer), signs in
    status, body = _login(proxy, owner.email, PASSWORD, source=OWNER)
    assert status == 401 and body["meta"]["session_token"], body  # password accepted: the code next
    status, body = _request(
        proxy,
        "POST",
        "/_allauth/app/v1/auth/2fa/authenticate",
        source=OWNER,
        body={"code": totp(OWNER_TOTP_SECRET)},
        headers={"X-Session-Token": body["meta"]["session_token"], "User-Agent": "madoguchi-test-app/1.0"},
    )
    assert status == 200, body
    assert body["meta"]["is_authenticated"]

    # and the audit rows carry the real addresses, never the proxy's or a forged one
    failed = set(AuditEvent.objects.filter(user=owner, event="login.failed").values_list("ip", flat=True))
    assert failed == {ATTACKER}
    assert set(AuditEvent.objects.filter(user=owner, event="login.success").values_list("ip", flat=True)) == {OWNER}
    throttled = set(AuditEvent.objects.filter(user=owner, event="login.throttled").values_list("ip", flat=True))
    assert throttled == {ATTACKER}
    from allauth.usersessions.models import UserSession

    assert set(UserSession.objects.filter(user=owner).values_list("ip", flat=True)) == {OWNER}
