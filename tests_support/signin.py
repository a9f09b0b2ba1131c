"""Sign a customer in through the real pages, second step included (the SMS code)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests_support.captcha import solve
from tests_support.outbox import Outbox

PASSWORD = "Passw0rd-test"


def _outbox() -> Outbox:
    from django.conf import settings

    from conftest import run_pending_on_commit

    return Outbox(Path(settings.MADOGUCHI_OUTBOX_DIR), before_read=run_pending_on_commit)


def html_sign_in(client: Any, user: Any, password: str = PASSWORD, login: str | None = None, **extra: Any) -> Any:
    """Password step, then the SMS code when the second step asks for it. Returns the last answer."""
    response = client.post(
        "/accounts/login/", {"login": login or user.email, "password": password, "captcha": solve(client)}, **extra
    )
    if response.status_code == 302 and response["Location"] == "/login/sms/":
        code = _outbox().last_sms_code(user.phone)
        response = client.post("/login/sms/", {"code": code}, **extra)
    return response


def app_sign_in(api_client: Any, user: Any, password: str = PASSWORD) -> Any:
    """The headless app sign-in, SMS step included."""
    response = api_client.login_app(user.email, password)
    flows = {f["id"]: f for f in response.json().get("data", {}).get("flows", [])}
    sms_pending = "madoguchi_sms" in flows or flows.get("mfa_authenticate", {}).get("types") == ["sms"]
    if response.status_code == 401 and sms_pending:
        code = _outbox().last_sms_code(user.phone)
        response = api_client.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": code})
        api_client.token = response.json().get("meta", {}).get("session_token") or api_client.token
    return response
