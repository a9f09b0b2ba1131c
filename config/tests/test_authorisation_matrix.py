"""The authorisation matrix, driven by config/route_table.py.

For every route whose row names a check, each state that the check must refuse is
tried: an anonymous visitor, a signed-in customer without a second factor for the
action, a frozen account, a password-only re-authentication (headless), a customer on a
staff page, a customer on the trading core's API. "Refused" is judged by what the
caller sees (status, stable error code, the message on the page) and by what did not
change (password, email, phone, authenticators, anti-phishing code, sessions, mail
and SMS to the new address).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.test import Client

from config import route_table as rt
from mfa.tests.helpers import enable_totp

pytestmark = pytest.mark.django_db

NEW_EMAIL_PREFIXES = ("new@", "n@")  # the probes new addresses
NEW_PHONE = "+819011112222"


def _concrete(pattern: str) -> str | None:
    if pattern.startswith("^") or "(?P" in pattern:
        return None
    path = re.sub(r"<int:[^>]+>", "999999", pattern)
    path = re.sub(r"<uuid:[^>]+>", str(uuid.UUID(int=1)), path)
    path = re.sub(r"<[^>]+>", "x", path)
    return "/" + path


def _rows(check: str, *, with_probe: bool = False) -> list[rt.Route]:
    rows = [
        r
        for r in rt.ROUTES
        if check in r.checks and not r.prefix and r.pattern != rt.SOCIAL_PROVIDER_ROUTES and _concrete(r.pattern)
    ]
    return [r for r in rows if r.probe] if with_probe else rows


def _is_json(row: rt.Route) -> bool:
    return row.pattern.startswith(("api/", "_allauth/", "internal/"))


def _send(client: Client, row: rt.Route, *, method: str | None = None, body: dict[str, Any] | None = None) -> Any:
    path = _concrete(row.pattern)
    assert path is not None
    if method is None:
        method, body = row.probe if row.probe else ("POST" if row.writes else "GET", {})
    body = body or {}
    headers: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "en"}
    if row.pattern.startswith("_allauth/app/") and client.session.session_key:
        # The app client has no cookies: its session token is the session's key.
        headers["HTTP_X_SESSION_TOKEN"] = client.session.session_key
        client = Client()
    if method == "GET":
        return client.get(path, **headers)
    if _is_json(row):
        return client.generic(method, path, json.dumps(body), content_type="application/json", **headers)
    return getattr(client, method.lower())(path, body, follow=True, **headers)


def _customer(user_factory: Any, **fields: Any) -> Any:
    user = user_factory(language="en", **fields)
    enable_totp(user)
    return user


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": 0, "email": user.email}]
    session.save()
    return client


def _snapshot(user: Any, outbox: Any) -> tuple:
    from allauth.account.models import EmailAddress

    row = get_user_model().objects.get(pk=user.pk)
    return (
        row.password,
        row.email,
        row.phone,
        row.anti_phishing_code,
        sorted((a.type, json.dumps(a.data, sort_keys=True)) for a in Authenticator.objects.filter(user_id=user.pk)),
        sorted(EmailAddress.objects.filter(user_id=user.pk).values_list("email", "verified", "primary")),
        [m.to for m in outbox.emails() if m.to.startswith(NEW_EMAIL_PREFIXES)],
        len(outbox.sms(to=NEW_PHONE)),
    )


def _json(response: Any) -> dict[str, Any]:
    return json.loads(response.content or b"{}")


# --- anonymous ----------------------------------------------------------------------------


@pytest.mark.parametrize("row", _rows(rt.SIGNED_IN), ids=lambda r: r.pattern)
def test_anonymous_is_refused(row, client):
    response = _send(client, row) if _is_json(row) else _send_no_follow(client, row)
    assert response.status_code not in range(200, 300), (row.pattern, response.status_code)
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"] or "/admin/login/" in response["Location"], response[
            "Location"
        ]
    else:
        assert response.status_code in (400, 401, 403, 404, 405, 409), (row.pattern, response.status_code)


def _send_no_follow(client: Client, row: rt.Route) -> Any:
    path = _concrete(row.pattern)
    assert path is not None
    method, body = row.probe if row.probe else ("POST" if row.writes else "GET", {})
    return client.generic(method, path, "", HTTP_ACCEPT_LANGUAGE="en") if method != "POST" else client.post(path, body)


# --- frozen -------------------------------------------------------------------------------


@pytest.mark.parametrize("row", _rows(rt.NOT_FROZEN, with_probe=True), ids=lambda r: r.pattern)
def test_frozen_account_is_refused_and_nothing_changes(row, user_factory, outbox):
    from accounts.services import account_freeze

    user = _customer(user_factory)
    account_freeze(user=user, reason="test")
    client = _signed_in(user)
    before = _snapshot(user, outbox)
    response = _send(client, row)
    assert _snapshot(user, outbox) == before, row.pattern
    if _is_json(row):
        assert response.status_code == 403, (row.pattern, response.status_code, response.content[:300])
        assert _json(response)["error"]["code"] == "account_frozen"
    else:
        assert "Your account is frozen" in response.content.decode(), row.pattern


# --- signed in, no second factor for this action ------------------------------------------


@pytest.mark.parametrize("row", _rows(rt.SECOND_FACTOR, with_probe=True), ids=lambda r: r.pattern)
def test_signed_in_without_a_second_factor_is_refused(row, user_factory, outbox):
    user = _customer(user_factory)
    client = _signed_in(user)
    before = _snapshot(user, outbox)
    response = _send(client, row)
    assert _snapshot(user, outbox) == before, row.pattern
    if row.pattern.startswith("_allauth/"):
        assert response.status_code == 401, (row.pattern, response.status_code, response.content[:300])
        flows = {f["id"]: f for f in _json(response)["data"]["flows"]}
        assert flows["mfa_reauthenticate"]["is_pending"] is True
        assert "reauthenticate" not in flows  # a password is not offered
    elif _is_json(row):
        assert response.status_code == 401, (row.pattern, response.status_code)
        assert _json(response)["error"]["code"] == "two_factor_required"
    else:
        assert response.status_code == 200
        assert "authenticator app" in response.content.decode(), row.pattern


# --- password-only re-authentication (headless) -------------------------------------------


@pytest.mark.parametrize(
    "row", [r for r in _rows(rt.SECOND_FACTOR, with_probe=True) if r.pattern.startswith("_allauth/")], ids=str
)
def test_password_reauthentication_never_satisfies_the_second_factor(row, user_factory, outbox):
    user = _customer(user_factory)
    client = _signed_in(user)
    client_kind = row.pattern.split("/")[1]
    sender, headers = client, {}
    if client_kind == "app":
        sender, headers = Client(), {"HTTP_X_SESSION_TOKEN": client.session.session_key}
    reauth = sender.post(
        f"/_allauth/{client_kind}/v1/auth/reauthenticate",
        {"password": rt.PW},
        content_type="application/json",
        **headers,
    )
    assert reauth.status_code == 200, reauth.content
    before = _snapshot(user, outbox)
    response = _send(client, row)
    assert response.status_code == 401, (row.pattern, response.status_code, response.content[:300])
    assert _snapshot(user, outbox) == before


# --- staff pages and the trading core's API -----------------------------------------------


@pytest.mark.parametrize("row", _rows(rt.STAFF_ROLE), ids=lambda r: r.pattern)
def test_a_customer_cannot_open_staff_routes(row, user_factory):
    client = _signed_in(_customer(user_factory))
    response = client.get(_concrete(row.pattern), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code in (302, 403, 404), (row.pattern, response.status_code)
    if response.status_code == 302:
        assert "login" in response["Location"]


def test_a_customer_cannot_open_the_admin(user_factory):
    client = _signed_in(_customer(user_factory))
    response = client.get("/admin/")
    # The staff gate (core.staff) answers a signed-in customer as if nothing were there.
    assert response.status_code == 404
    assert b"Django administration" not in response.content


@pytest.mark.parametrize("row", _rows(rt.SERVICE_TOKEN), ids=lambda r: r.pattern)
def test_a_customer_session_is_not_a_service_token(row, user_factory):
    client = _signed_in(_customer(user_factory))
    response = _send(client, row, method="PUT" if row.writes else "GET", body={})
    assert response.status_code in (401, 403, 404, 405), (row.pattern, response.status_code)


def test_every_security_change_route_has_a_probe():
    # A route that changes security state without a probe would escape the matrix.
    exempt = {"security/passkeys/", "security/totp/setup/"}  # covered by mfa/tests/test_perimeter.py
    exempt |= {r.pattern for r in rt.ROUTES if r.pattern.startswith(("wallet/", "api/v1/withdrawal"))}  # wallet tests
    missing = [
        r.pattern
        for r in rt.ROUTES
        if rt.SECOND_FACTOR in r.checks and r.writes and not r.probe and r.pattern not in exempt
        if "sessions" not in r.pattern
    ]
    assert not missing, missing


# --- each staff role on each staff route ------------------------------------------------

# Which roles a staff route is for (accounts.roles). Every staff_role row of the route
# table must be listed (a new staff route must say who may open it); every other role is
# probed and must be refused: 404 (nothing is there for it) or 403, and a write changes
# nothing. The roles allowed must get the page (200) or do the write, so each probe can
# tell a refusal from a page that is refused to everybody.
_SUPPORT = ("support_agent", "security_agent", "supervisor")
_REVIEW = ("identity_reviewer", "supervisor")
_EDITORS = ("operator", "supervisor")
STAFF_ROUTE_ROLES: dict[str, tuple[str, ...]] = {
    "staff/": ("support_agent", "security_agent", "supervisor", "identity_reviewer", "operator"),
    "staff/support/": _SUPPORT,
    "staff/chat/": _SUPPORT,
    "staff/chat/<int:conversation_id>/": _SUPPORT,
    "staff/chat/<int:conversation_id>/<slug:action>/": _SUPPORT,
    "staff/chat/<int:conversation_id>/messages/": _SUPPORT,
    "staff/chat/<int:conversation_id>/files/<str:token>/": _SUPPORT,
    "staff/support/inquiries/<int:inquiry_id>/": _SUPPORT,
    "staff/support/inquiries/<int:inquiry_id>/presence/": _SUPPORT,
    "staff/support/inquiries/<int:inquiry_id>/<slug:action>/": _SUPPORT,
    "recovery/staff/cases/": _REVIEW,
    "recovery/staff/cases/<uuid:case_id>/": _REVIEW,
    "recovery/staff/cases/<uuid:case_id>/claim/": _REVIEW,
    "recovery/staff/documents/<int:document_id>/": _REVIEW,
    "help/staff/articles/": _EDITORS,
    "help/staff/articles/<slug:slug>/": _EDITORS,
    "help/staff/search-misses/": (*_EDITORS, "support_agent"),
    "help/staff/synonyms/": _EDITORS,
    "help/staff/announcements/": _EDITORS,
}
# Write probes: (method, path suffix or None for the route itself, body). GET-only routes
# and pages probed by GET are not listed.
STAFF_WRITE_PROBES: dict[str, tuple[str, dict[str, Any]]] = {
    "staff/support/inquiries/<int:inquiry_id>/presence/": ("POST", {}),
    "staff/support/inquiries/<int:inquiry_id>/<slug:action>/": ("POST", {"body": "A reply from a stranger."}),
    "recovery/staff/cases/<uuid:case_id>/claim/": ("POST", {}),
    "staff/chat/<int:conversation_id>/<slug:action>/": ("POST", {}),  # accept
    "staff/chat/<int:conversation_id>/messages/": ("POST", {"body": "A reply from the agent."}),
}


def test_every_staff_route_names_its_roles():
    rows = {r.pattern for r in rt.ROUTES if rt.STAFF_ROLE in r.checks and not r.prefix}
    assert rows == set(STAFF_ROUTE_ROLES), sorted(rows ^ set(STAFF_ROUTE_ROLES))
    from accounts import roles

    assert {role for allowed in STAFF_ROUTE_ROLES.values() for role in allowed} <= set(roles.ALL_ROLES)


@pytest.fixture
def staff_objects(user_factory, settings):
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from helpcenter.models import Article, Category
    from recovery.models import IdentityCase, IdentityDocument
    from support.tests.factories import create_funds, png_bytes

    customer = user_factory(email="customer@example.com", language="en")
    inquiry = create_funds(customer)
    now = timezone.now()
    case = IdentityCase.objects.create(
        user=customer,
        purpose="two_factor_reset",
        full_name="Hanako Yamada",
        address="Tokyo",
        date_of_birth=dt.date(1990, 4, 1),
        registered_phone=customer.phone,
        first_submitted_at=now,
        submitted_at=now,
    )
    image = png_bytes()
    document = IdentityDocument(
        case=case, submission=1, content_type="image/png", sha256="0" * 64, size=len(image), width=64, height=48
    )
    document.file.save("selfie.png", ContentFile(image), save=True)
    category = Category.objects.first() or Category.objects.create(slug="matrix", name_ja="テスト", name_en="Test")
    article = Article.objects.filter(category=category).first() or Article.objects.create(
        slug="matrix-article", category=category
    )
    from chat import services as chat_services
    from chat.models import ChatAttachment
    from support.internal.seed import seed_defaults

    seed_defaults()
    settings.MADOGUCHI_CHAT_ALWAYS_OPEN = True
    chat = chat_services.conversation_start(category_slug="funds", body="Hanako Yamada asks", customer=customer)
    chat_file = ChatAttachment(
        message=chat.messages.get(),
        token="m" * 32,
        content_type="image/png",
        size=len(image),
        sha256="0" * 64,
        display_name="screen.png",
        created_at=now,
    )
    chat_file.file.save("screen.png", ContentFile(image), save=True)
    return {
        "inquiry": inquiry,
        "case": case,
        "document": document,
        "article": article,
        "chat": chat,
        "chat_file": chat_file,
    }


def _staff_path(pattern: str, objects: dict[str, Any]) -> str:
    path = "/" + pattern
    path = path.replace("<int:inquiry_id>", str(objects["inquiry"].pk))
    if pattern.startswith("staff/chat/"):
        path = path.replace("<int:conversation_id>", str(objects["chat"].pk)).replace("<slug:action>", "accept")
        path = path.replace("<str:token>", objects["chat_file"].token)
    path = path.replace("<slug:action>", "reply")
    path = path.replace("<uuid:case_id>", str(objects["case"].pk))
    path = path.replace("<int:document_id>", str(objects["document"].pk))
    return path.replace("<slug:slug>", objects["article"].slug)


def _case_state(objects: dict[str, Any]) -> tuple:
    from recovery.models import IdentityCase
    from support.models import Message

    case = IdentityCase.objects.get(pk=objects["case"].pk)
    return (case.assignee_id, case.status, Message.objects.filter(inquiry_id=objects["inquiry"].pk).count())


@pytest.mark.parametrize("role", ["support_agent", "security_agent", "supervisor", "identity_reviewer", "operator"])
def test_each_staff_role_is_refused_what_it_is_not_for(role, staff_factory, staff_objects):
    staff = staff_factory(roles=[role], email=f"{role}@example.com", language="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(staff)  # the product sign-in with the second factor (conftest)
    seen: dict[str, int] = {}
    for pattern, allowed in STAFF_ROUTE_ROLES.items():
        path = _staff_path(pattern, staff_objects)
        method, body = STAFF_WRITE_PROBES.get(pattern, ("GET", {}))
        before = _case_state(staff_objects)
        response = client.get(path) if method == "GET" else client.post(path, body)
        seen[pattern] = response.status_code
        if role in allowed:
            assert response.status_code in (200, 204, 302), (role, pattern, response.status_code)
            if response.status_code == 302:
                assert "login" not in response["Location"] and "second-factor" not in response["Location"]
        else:
            assert response.status_code in (403, 404), (role, pattern, response.status_code)
            assert _case_state(staff_objects) == before, (role, pattern)
            assert b"Hanako Yamada" not in response.content and b"\x89PNG" not in response.content[:8]
    # The admin: every staff member reaches its index (behind the same gate), but no role
    # opens a model there without a permission an operator granted: service tokens of the
    # trading core, second-factor locks, SMS codes.
    admin_models = ("wallet/servicetoken/", "madoguchi_mfa/secondfactorlock/", "madoguchi_mfa/smscode/")
    for path in (f"/admin/{model}" for model in admin_models):
        response = client.get(path)
        assert response.status_code == 403, (role, path, response.status_code)
