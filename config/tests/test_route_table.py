"""Every mounted route is in config/route_table.py, and the table has no stale rows."""

from __future__ import annotations

import pytest
from django.urls import resolve

from config import route_table


def test_every_mounted_route_is_in_the_table():
    missing = [
        (pattern, f"{getattr(view, '__module__', '?')}.{getattr(view, '__name__', '?')}")
        for pattern, view in route_table.walk_resolver()
        if route_table.row_for(pattern, view) is None
    ]
    assert not missing, "Routes missing from config/route_table.py (add one line each):\n" + "\n".join(
        f'    R("{pattern}", CUSTOMER, SIGNED_IN, ...),  # view {view}' for pattern, view in missing
    )


def test_every_table_row_is_mounted():
    mounted = {pattern for pattern, _view in route_table.walk_resolver()}
    stale = [
        row.pattern
        for row in route_table.ROUTES
        if not row.prefix and row.pattern != route_table.SOCIAL_PROVIDER_ROUTES and row.pattern not in mounted
    ]
    assert not stale, f"Rows in config/route_table.py whose route is not mounted: {stale}"


def test_a_new_route_missing_from_the_table_is_named(monkeypatch):
    # given a route some engineer adds without a row
    from django.urls import path

    from config import urls

    monkeypatch.setattr(urls, "urlpatterns", [*urls.urlpatterns, path("ops/new-thing/", lambda r: None)])
    from django.urls import clear_url_caches

    clear_url_caches()
    try:
        with pytest.raises(AssertionError) as info:
            test_every_mounted_route_is_in_the_table()
    finally:
        monkeypatch.undo()
        clear_url_caches()
    assert 'R("ops/new-thing/"' in str(info.value)


@pytest.mark.parametrize("client", ["app", "browser"])
@pytest.mark.parametrize(
    "path",
    [
        "account/email",
        "account/phone",
        "account/password/change",
        "account/authenticators/totp",
        "account/authenticators/recovery-codes",
        "account/authenticators/webauthn",
        "auth/sessions",
        "auth/2fa/authenticate",
        "auth/2fa/reauthenticate",
    ],
)
def test_headless_account_paths_are_answered_by_our_views(client, path):
    view = resolve(f"/_allauth/{client}/v1/{path}").func
    assert view.view_class.__module__ == "mfa.headless_account", view.view_class


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/password/set/",
        "/accounts/reauthenticate/",
        "/accounts/2fa/",
        "/accounts/2fa/totp/activate/",
        "/accounts/2fa/totp/deactivate/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/recovery-codes/download/",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/2fa/reauthenticate/",
        "/accounts/2fa/webauthn/",
        "/accounts/2fa/webauthn/add/",
        "/accounts/sessions/",
        "/accounts/3rdparty/",
        "/accounts/phone/change/",
    ],
)
@pytest.mark.django_db
def test_allauth_management_pages_are_not_mounted(client, user_factory, path):
    # given a signed-in customer (the pages used to open for them)
    client.force_login(user_factory())
    assert client.get(path).status_code == 404
    assert client.post(path, {}).status_code == 404


def test_docs_security_md_shows_the_current_table():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    assert route_table.markdown() in doc, "Regenerate the table in docs/security.md: python -m config.route_table"
