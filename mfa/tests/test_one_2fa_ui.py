"""One 2FA management UI: ours on /security/. allauth's own 2FA, email, password and session
management pages are neither mounted nor linked; its sign-in second step stays (our template).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from mfa.tests.helpers import enable_totp
from tests_support.captcha import solve

pytestmark = pytest.mark.django_db

# allauth modules whose views manage security state (2FA, email, password, sessions).
MANAGEMENT_VIEWS = (
    "allauth.mfa.totp.views",
    "allauth.mfa.recovery_codes.views",
    "allauth.mfa.webauthn.views",
    "allauth.mfa.base.views",  # index and reauthenticate; authenticate is the one kept
    "allauth.usersessions.views",
    "allauth.socialaccount.views",  # connections; the sign-in callbacks are kept
)
KEPT = {"AuthenticateView", "LoginCancelledView", "LoginErrorView", "SignupView"}
ACCOUNT_MANAGEMENT = {"EmailView", "PasswordChangeView", "PasswordSetView", "ReauthenticateView", "ConfirmEmailView"}


def _views(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _name(callback) -> tuple[str, str]:
    view_class = getattr(callback, "view_class", None)
    module = (view_class or callback).__module__
    name = view_class.__name__ if view_class else getattr(callback, "__name__", "")
    return module, name


def test_no_allauth_management_page_is_mounted():
    mounted = []
    for route, callback in _views(get_resolver().url_patterns):
        module, name = _name(callback)
        if module.startswith(MANAGEMENT_VIEWS) and name not in KEPT:
            mounted.append((route, module, name))
        if module == "allauth.account.views" and name in ACCOUNT_MANAGEMENT:
            mounted.append((route, module, name))
    assert mounted == []


def test_no_template_of_ours_uses_allauths_management_pages():
    bad = re.compile(
        r"""url ['"](mfa_(?!authenticate)\w+|account_email\b|account_change_password|account_set_password|"""
        r"""usersessions_\w+|socialaccount_connections)['"]|/accounts/(2fa/(?!authenticate)|email/|password/change|sessions)"""
    )
    offenders = []
    for path in Path(settings.BASE_DIR).glob("**/templates/**/*.*"):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        if bad.search(path.read_text(encoding="utf-8", errors="ignore")):
            offenders.append(str(path.relative_to(settings.BASE_DIR)))
    assert offenders == []


def test_the_security_page_is_the_2fa_ui_and_links_only_to_ours(client, user_factory):
    user = user_factory()
    enable_totp(user)
    client.force_login(user)
    html = client.get("/security/").content.decode()
    links = set(re.findall(r'href="(/[^"]*)"', html))
    assert any(link.startswith("/security/") for link in links)
    assert not [link for link in links if link.startswith("/accounts/") and "logout" not in link]


def test_the_second_step_is_allauths_view_with_our_page(client, user_factory):
    user = user_factory()
    enable_totp(user)
    response = client.post(
        "/accounts/login/", {"login": user.email, "password": "Passw0rd-test", "captcha": solve(client)}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    page = client.get("/accounts/2fa/authenticate/")
    assert next(t.name for t in page.templates) == "mfa/authenticate.html"
    assert str(Path(page.templates[0].origin.name).relative_to(settings.BASE_DIR)) == "templates/mfa/authenticate.html"
