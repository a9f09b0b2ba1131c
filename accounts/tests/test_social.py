"""Social sign-in end to end, against a real OpenID Connect server on loopback.

The identity provider below speaks HTTP like any OIDC provider (discovery document, token
endpoint checking the client secret and the one-time code, userinfo behind the access
token); allauth talks to it over real sockets. Only the browser's hop to the provider's
consent page is short-cut: the test follows the redirect to the provider's authorisation
URL and comes back with the code the provider issued, as a browser would.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.contrib.auth import get_user_model
from django.test import Client

from core.models import AuditEvent

pytestmark = pytest.mark.django_db

CLIENT_ID = "madoguchi-test-client"
CLIENT_SECRET = secrets.token_urlsafe(16)
PROVIDER_ID = "test-idp"


class IdentityProvider:
    """A minimal OpenID Connect provider: one person, codes and tokens used once."""

    def __init__(self) -> None:
        self.person: dict[str, Any] = {}
        self.codes: dict[str, str] = {}  # code -> redirect_uri
        self.tokens: set[str] = set()
        self.token_requests: list[dict[str, list[str]]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def issue_code(self, redirect_uri: str) -> str:
        code = secrets.token_urlsafe(12)
        self.codes[code] = redirect_uri
        return code

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path == "/.well-known/openid-configuration":
                    self._json(
                        200,
                        {
                            "issuer": idp.url,
                            "authorization_endpoint": f"{idp.url}/authorize",
                            "token_endpoint": f"{idp.url}/token",
                            "userinfo_endpoint": f"{idp.url}/userinfo",
                            "jwks_uri": f"{idp.url}/jwks",
                            "token_endpoint_auth_methods_supported": ["client_secret_post"],
                        },
                    )
                elif path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if token not in idp.tokens:
                        self._json(401, {"error": "invalid_token"})
                    else:
                        self._json(200, idp.person)
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
                idp.token_requests.append(form)
                code = form.get("code", [""])[0]
                if (
                    form.get("client_id") != [CLIENT_ID]
                    or form.get("client_secret") != [CLIENT_SECRET]
                    or idp.codes.pop(code, None) != form.get("redirect_uri", [""])[0]
                ):
                    self._json(400, {"error": "invalid_grant"})
                    return
                token = secrets.token_urlsafe(16)
                idp.tokens.add(token)
                self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

        return Handler


@pytest.fixture
def idp() -> Iterator[IdentityProvider]:
    provider = IdentityProvider()
    thread = threading.Thread(target=provider.server.serve_forever, daemon=True)
    thread.start()
    from django.contrib.sites.models import Site

    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id=PROVIDER_ID,
        name="Test IdP",
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        settings={"server_url": f"{provider.url}/.well-known/openid-configuration"},
    )
    app.sites.add(Site.objects.get_current())
    yield provider
    provider.server.shutdown()
    provider.server.server_close()


def _sign_in_with_provider(client: Client, idp: IdentityProvider, *, tamper_state: bool = False) -> Any:
    start = client.post(f"/accounts/oidc/{PROVIDER_ID}/login/")
    assert start.status_code == 302, start.content
    authorize = urlsplit(start["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{idp.url}/authorize"
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
    # the person consents at the provider, which sends the browser back with a code
    code = idp.issue_code(query["redirect_uri"])
    state = "forged" if tamper_state else query["state"]
    callback = urlsplit(query["redirect_uri"])
    return client.get(f"{callback.path}?{urlencode({'code': code, 'state': state})}")


def test_a_new_customer_signs_up_and_back_in_with_an_identity_provider(idp: IdentityProvider, outbox: Any) -> None:
    idp.person = {"sub": "person-1", "email": "social@example.jp", "email_verified": True, "name": "山田 太郎"}
    client = Client()
    response = _sign_in_with_provider(client, idp)
    # the provider vouches for the email; the sign-up form asks for what it does not give
    assert response.status_code == 302 and response["Location"] == "/accounts/3rdparty/signup/"
    form = client.get(response["Location"]).content.decode()
    assert 'value="social@example.jp"' in form and 'name="phone"' in form
    missing = client.post(response["Location"], {"email": "social@example.jp", "phone": ""})
    assert missing.status_code == 200 and not get_user_model().objects.filter(email="social@example.jp").exists()
    done = client.post(response["Location"], {"email": "social@example.jp", "phone": "090-1234-5678"})
    # the mobile number is proved with an SMS code before the sign-up completes
    assert done.status_code == 302 and done["Location"] == "/login/phone/", done.content
    assert not client.get("/").wsgi_request.user.is_authenticated
    proved = client.post("/login/phone/", {"action": "verify", "code": outbox.last_sms_code("+819012345678")})
    assert proved.status_code == 302
    user = client.get("/").wsgi_request.user
    assert user.is_authenticated
    assert user.email == "social@example.jp"  # NFKC-normalised like every other email
    assert not user.has_usable_password()
    assert SocialAccount.objects.get(user=user).uid == "person-1"
    assert AuditEvent.objects.filter(user=user, event="signup.social").count() == 1
    assert AuditEvent.objects.filter(user=user, event="login.success").count() == 1
    # the code was exchanged over the back channel with the client secret
    assert idp.token_requests and idp.token_requests[-1]["client_secret"] == [CLIENT_SECRET]

    client.post("/accounts/logout/")
    assert not client.get("/").wsgi_request.user.is_authenticated
    # signing in again with the provider still takes the SMS step, like a password sign-in
    step = _sign_in_with_provider(client, idp)
    assert step.status_code == 302 and step["Location"] == "/login/sms/"
    assert not client.get("/").wsgi_request.user.is_authenticated
    assert client.post("/login/sms/", {"code": outbox.last_sms_code("+819012345678")}).status_code == 302
    again = client.get("/").wsgi_request.user
    assert again.is_authenticated and again.pk == user.pk
    assert get_user_model().objects.filter(email="social@example.jp").count() == 1
    assert AuditEvent.objects.filter(user=user, event="login.success").count() == 2


def test_a_forged_state_or_a_refused_code_signs_nobody_in(idp: IdentityProvider) -> None:
    idp.person = {"sub": "person-2", "email": "forged@example.jp", "email_verified": True}
    client = Client()
    forged = _sign_in_with_provider(client, idp, tamper_state=True)
    assert forged.status_code == 401  # allauth's "could not sign you in" page
    assert idp.token_requests == []  # a forged state never reaches the provider

    # the provider refuses the code exchange (here: the client secret no longer matches)
    SocialApp.objects.filter(provider_id=PROVIDER_ID).update(secret="rotated-elsewhere")
    refused = _sign_in_with_provider(client, idp)
    assert refused.status_code == 401
    assert len(idp.token_requests) == 1

    assert not client.get("/").wsgi_request.user.is_authenticated
    assert not get_user_model().objects.filter(email="forged@example.jp").exists()


def test_a_signed_in_customer_cannot_connect_a_provider_to_the_account(
    idp: IdentityProvider, user_factory: Any
) -> None:
    # Connecting a provider would add a way into the account with no second factor: the
    # round trip through the provider ends on a "not found" page and nothing is linked.
    customer = user_factory(email="owner@example.jp", language="en")
    idp.person = {"sub": "attacker-1", "email": "attacker@example.jp", "email_verified": True}
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(customer)
    start = client.post(f"/accounts/oidc/{PROVIDER_ID}/login/", {"process": "connect"})
    assert start.status_code == 302, start.content
    query = {k: v[0] for k, v in parse_qs(urlsplit(start["Location"]).query).items()}
    code = idp.issue_code(query["redirect_uri"])
    callback = urlsplit(query["redirect_uri"])
    answer = client.get(f"{callback.path}?{urlencode({'code': code, 'state': query['state']})}")
    # what the customer sees: a not-found page, not a "connected" notice
    assert answer.status_code == 404
    page = answer.content.decode()
    assert "connected" not in page.lower() and "attacker@example.jp" not in page
    assert not SocialAccount.objects.exists()
    # still the same customer, still signed in only with what they had
    assert client.get("/").wsgi_request.user.pk == customer.pk
    assert not AuditEvent.objects.filter(event__startswith="signup.social").exists()
    # and the provider sign-in for that person creates no account either
    assert not get_user_model().objects.filter(email="attacker@example.jp").exists()
