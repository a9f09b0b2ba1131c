"""Shared fixtures: real database, the outbox, users, the captcha, a real browser."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("MADOGUCHI_TESTING", "1")

TEST_PASSWORD = "Passw0rd-test"
SCREENSHOT_DIR = Path(__file__).resolve().parent / "var" / "screenshots"


def run_pending_on_commit(**kwargs: Any) -> None:
    """Run on_commit callbacks left when a request (or a service call) finishes.

    Tests run inside a transaction that never commits, so Django would never run
    ``transaction.on_commit`` work (emails, SMS). Callbacks of rolled-back savepoints are
    already discarded by Django; what is left is exactly what production runs on commit.
    """
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        while connection.run_on_commit:
            callback = connection.run_on_commit.pop(0)
            callback[1]()


@pytest.fixture(autouse=True)
def _isolated_side_effects(settings: Any, tmp_path: Path) -> Iterator[None]:
    from django.core.cache import cache
    from django.core.signals import request_finished

    # Tests read what a person would read: the outbox files, not Django's locmem mailbox.
    settings.MAILERS = {"default": {"BACKEND": "core.mail.OutboxEmailBackend"}}
    settings.MADOGUCHI_OUTBOX_DIR = tmp_path / "outbox"
    settings.MADOGUCHI_SMS_ECHO_CONSOLE = False
    from core.memo import clear_process_memos

    cache.clear()
    clear_process_memos()
    request_finished.connect(run_pending_on_commit, dispatch_uid="tests-on-commit")
    yield
    request_finished.disconnect(dispatch_uid="tests-on-commit")
    cache.clear()
    clear_process_memos()


@pytest.fixture
def outbox(settings: Any) -> Any:
    from tests_support.outbox import Outbox

    return Outbox(Path(settings.MADOGUCHI_OUTBOX_DIR), before_read=run_pending_on_commit)


@pytest.fixture
def user_factory(db: None) -> Callable[..., Any]:
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    counter = {"n": 0}

    def make(**fields: Any) -> Any:
        counter["n"] += 1
        password = fields.pop("password", TEST_PASSWORD)
        fields.setdefault("email", f"user{counter['n']}@example.com")
        fields.setdefault("phone", f"+8190{counter['n']:08d}")
        user = get_user_model().objects.create_user(password=password, **fields)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user

    return make


STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXP"


@pytest.fixture
def staff_factory(user_factory: Callable[..., Any]) -> Callable[..., Any]:
    """Staff accounts have an authenticator app (secret STAFF_TOTP_SECRET) unless
    ``second_factor=None``: staff pages never open without one (core.staff)."""
    from django.contrib.auth.models import Group

    def make(*, roles: list[str], second_factor: str | None = "totp", **fields: Any) -> Any:
        user = user_factory(is_staff=True, **fields)
        for name in roles:
            user.groups.add(Group.objects.get_or_create(name=name)[0])
        if second_factor == "totp":
            from allauth.mfa.totp.internal.auth import TOTP

            TOTP.activate(user, STAFF_TOTP_SECRET)
        return user

    return make


@pytest.fixture(autouse=True)
def _force_login_stands_for_the_full_staff_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """``client.force_login(staff)`` stands for the product sign-in with the second factor
    when the staff account has one enrolled, so console tests need not replay it; pass
    ``second_factor=False`` for a session that signed in without it. The staff sign-in
    itself (password form gone, second factor asked) is tested through the real pages in
    core/tests/test_staff_gate.py and the browser test."""
    from django.test import Client

    original = Client.force_login

    def force_login(self: Any, user: Any, backend: str | None = None, *, second_factor: bool = True) -> None:
        original(self, user, backend)
        if not (second_factor and getattr(user, "is_staff", False)):
            return
        import time

        from core import staff

        if staff.second_factor_enrolled(user):
            session = self.session
            session[staff.SESSION_VERIFIED_KEY] = {"user": str(user.pk), "at": time.time()}
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


class ApiClient:
    """django.test.Client with JSON helpers and an optional allauth headless session token."""

    def __init__(self) -> None:
        from django.test import Client

        self.client = Client(HTTP_ACCEPT_LANGUAGE="ja")
        self.token: str | None = None

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        merged = dict(headers or {})
        if self.token:
            merged.setdefault("X-Session-Token", self.token)
        return merged

    def get(self, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self._headers(headers), **kwargs)

    def post(self, path: str, data: Any = None, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        if "content_type" not in kwargs and not kwargs.pop("multipart", False):
            kwargs["content_type"] = "application/json"
        return self.client.post(path, data or {}, headers=self._headers(headers), **kwargs)

    def put(self, path: str, data: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.put(path, data or {}, content_type="application/json", headers=self._headers(headers))

    def login_app(self, email: str, password: str = TEST_PASSWORD) -> Any:
        """Sign in through the allauth headless app flow (captcha solved like the app does)."""
        from tests_support.captcha import solve

        response = self.post(
            "/_allauth/app/v1/auth/login",
            {"email": email, "password": password, "captcha": solve(self.client)},
        )
        body = response.json()
        self.token = body.get("meta", {}).get("session_token") or self.token
        return response


@pytest.fixture
def api_client(db: None) -> ApiClient:
    return ApiClient()


@pytest.fixture
def solve_captcha(client: Any) -> Callable[[], str]:
    from tests_support.captcha import solve

    return lambda: solve(client)


@pytest.fixture(scope="session")
def _browser() -> Iterator[Any]:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def browser_timeout_ms() -> int:
    """How long a browser test waits for a condition before it fails: 15 s on a quiet
    machine, stretched by the load per core (the suite shares 2 cores with other runs; the
    image pre-check alone takes a second of CPU), at most 2 minutes. Tests wait on
    conditions (a selector, a predicate, a navigation), never for a fixed time."""
    import os

    per_core = os.getloadavg()[0] / (os.cpu_count() or 1)
    return int(min(120_000, 15_000 * max(1.0, per_core)))


@pytest.fixture
def browser_page(_browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = _browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 420, "height": 900})
    page = context.new_page()
    page.set_default_timeout(browser_timeout_ms())
    # Every browser test is also a CSP check: a page whose script, style or image the policy
    # refused fails the test (Chromium reports each refusal on the console).
    csp_violations: list[str] = []
    # Playwright compiles a string predicate with eval() inside the page, which the CSP refuses
    # (no 'unsafe-eval'); the same predicate as an arrow function is sent through CDP instead.
    wait_for_function = page.wait_for_function

    def wait_for_function_under_csp(expression: str, *args: Any, **kwargs: Any) -> Any:
        if "=>" not in expression and not expression.lstrip().startswith(("function", "async")):
            expression = f"() => ({expression})"
        return wait_for_function(expression, *args, **kwargs)

    page.wait_for_function = wait_for_function_under_csp
    page.on(
        "console",
        lambda message: csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    yield page
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not csp_violations, "refused by the Content Security Policy:\n" + "\n".join(csp_violations)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` need PostgreSQL + Redis: they run in the second pass of
    `make test` and are deselected (not skipped, not counted) in the SQLite pass."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL"):
        return
    selected: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        (deselected if item.get_closest_marker("postgres") else selected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
