"""From a fresh state, `PORT=… make run` serves the Japanese home page and hanako can sign in."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests_support.captcha import solve_challenge
from tests_support.outbox import Outbox

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (loopback only)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _post_json(url: str, body: dict[str, object], headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _wait_for_sms_code(outbox: Outbox, phone: str) -> str:
    """The embedded default sends mail and SMS once the response has gone out
    (core.middleware.AfterResponseTasksMiddleware): wait for the file, as a person would."""
    deadline = time.monotonic() + 20
    while True:
        try:
            return outbox.last_sms_code(phone)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_make_run_serves_the_japanese_home_page_and_hanako_signs_in(tmp_path):
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_URL", "MADOGUCHI_TESTING", "DJANGO_", "PYTEST", "CACHE_KEY"))
    }
    env.update({"PORT": str(port), "MADOGUCHI_VAR_DIR": str(tmp_path / "var")})
    server = subprocess.Popen(
        ["make", "run"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            time.sleep(1)
        status, body = _get(f"{base}/healthz")
        assert status == 200

        status, body = _get(f"{base}/", {"Accept-Language": "ja"})
        assert status == 200
        assert '<html lang="ja">' in body.decode()
        assert "ログイン" in body.decode()

        _, challenge = _get(f"{base}/api/v1/captcha")
        status, login = _post_json(
            f"{base}/_allauth/app/v1/auth/login",
            {
                "email": "hanako@example.jp",
                "password": "Hanako2026pass",
                "captcha": solve_challenge(json.loads(challenge)),
            },
        )
        token = login.get("meta", {}).get("session_token")
        if status == 401:
            # hanako has no authenticator: the second step is a code sent by SMS.
            pending = [flow for flow in login["data"]["flows"] if flow.get("is_pending")]
            assert pending, login
            code = _wait_for_sms_code(Outbox(tmp_path / "var" / "outbox"), "+819012345678")
            status, login = _post_json(
                f"{base}/_allauth/app/v1/auth/2fa/authenticate", {"code": code}, {"X-Session-Token": token or ""}
            )
            token = login.get("meta", {}).get("session_token") or token
        assert status == 200, login
        status, me = _get(f"{base}/api/v1/me", {"X-Session-Token": token or ""})
        assert status == 200
        assert json.loads(me)["email"] == "hanako@example.jp"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
