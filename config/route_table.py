"""Every mounted route, once, with its zone and the checks it must apply.

``config/tests/test_route_table.py`` walks the URL resolver: a mounted route missing
here fails the suite with its exact pattern, and a row whose route is gone fails too.
The same table drives the authorisation matrix (``config/tests/test_authorisation_matrix.py``):
anonymous visitors, signed-in customers, frozen accounts, password-only
re-authentication and non-staff customers are refused where the checks say so.
``docs/security.md`` prints it (``python manage.py route_table``).

Adding a route: add one ``R(...)`` line below (the failure message prints a template).
Keys are the resolver's patterns, as printed by the failing test.

Checks (what must be refused, not how):

- ``signed_in``: an anonymous visitor is sent to sign in (pages) or gets 401 (API).
- ``not_frozen``: a frozen account gets ``account_frozen`` and nothing changes.
- ``second_factor``: the change needs a fresh second factor for this one action
  (a code or passkey with the request; headless: a second-factor re-authentication).
  A password never satisfies it when the customer has a second factor.
- ``staff_role``: staff with the right role only (``accounts.roles``); others 403/404.
- ``service_token``: the trading core's scoped token, never a customer credential.
- ``captcha``: the proof-of-work captcha. ``signed_link``: an emailed, signed token.
- ``login_stage``: only inside a pending sign-in (password already checked).
- ``owner``: an object of another customer is a 404.
- ``metrics_token``: the operator's bearer token when configured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PUBLIC = "public"
CUSTOMER = "customer"
STAFF = "staff"
INTERNAL = "internal"  # operations: health, readiness, metrics
TRADING_CORE = "trading_core"

SIGNED_IN = "signed_in"
NOT_FROZEN = "not_frozen"
SECOND_FACTOR = "second_factor"
STAFF_ROLE = "staff_role"
SERVICE_TOKEN = "service_token"  # noqa: S105 - a check name
CAPTCHA = "captcha"
SIGNED_LINK = "signed_link"
LOGIN_STAGE = "login_stage"
OWNER = "owner"
METRICS_TOKEN = "metrics_token"  # noqa: S105 - a check name

SECURITY_CHANGE = (SIGNED_IN, NOT_FROZEN, SECOND_FACTOR)
# One row for the routes allauth's social providers mount under /accounts/ (their
# views live in allauth.socialaccount.providers.*).
SOCIAL_PROVIDER_ROUTES = "accounts/<social provider>/..."


@dataclass(frozen=True)
class Route:
    pattern: str
    zone: str
    checks: tuple[str, ...] = ()
    writes: bool = False  # changes state (POST/PUT/PATCH/DELETE)
    # A request the matrix sends as each state: (method, body). JSON for API/headless
    # routes, form data for pages. It must be valid apart from the check under test.
    probe: tuple[str, dict[str, Any]] | None = None
    note: str = ""
    prefix: bool = field(default=False)  # the row covers every route under ``pattern``


def R(pattern: str, zone: str, *checks: str, writes: bool = False, **kw: Any) -> Route:
    return Route(pattern, zone, tuple(checks), writes, **kw)


PW = "Passw0rd-test"  # the test suite's customer password (probes only)
NEW_PW = "Another-passw0rd-9"

_HEADLESS_PUBLIC = [
    "config",
    "auth/session",
    "auth/code/confirm",
    "auth/password/request",
    "auth/password/reset",
    "auth/login",
    "auth/signup",
    "auth/email/verify",
    "auth/email/verify/resend",
    "auth/phone/verify",
    "auth/phone/verify/resend",
    "auth/provider/signup",
    "auth/provider/redirect",
    "auth/provider/token",
    "auth/webauthn/authenticate",
]


def _headless(client: str) -> list[Route]:
    base = f"_allauth/{client}/v1/"
    rows = [
        R(base + p, PUBLIC, writes=p != "config", note="allauth sign-in/sign-up/reset flow") for p in _HEADLESS_PUBLIC
    ]
    rows += [
        R(base + "auth/2fa/authenticate", PUBLIC, LOGIN_STAGE, writes=True),
        R(base + "auth/2fa/sms", PUBLIC, LOGIN_STAGE, writes=True),
        R(base + "auth/2fa/sms/resend", PUBLIC, LOGIN_STAGE, writes=True),
        R(base + "auth/mobile/verify", PUBLIC, LOGIN_STAGE, writes=True),
        R(base + "auth/mobile/verify/resend", PUBLIC, LOGIN_STAGE, writes=True),
        R(base + "auth/mobile/change", PUBLIC, LOGIN_STAGE, writes=True),
        R(base + "auth/reauthenticate", CUSTOMER, SIGNED_IN, writes=True, note="password: never a second factor"),
        R(base + "auth/2fa/reauthenticate", CUSTOMER, SIGNED_IN, writes=True),
        R(base + "auth/webauthn/reauthenticate", CUSTOMER, SIGNED_IN, writes=True),
        R(base + "account/authenticators", CUSTOMER, SIGNED_IN),
        R(base + "account/providers", CUSTOMER, SIGNED_IN, note="read-only: disconnecting is refused"),
        R(
            base + "account/email",
            CUSTOMER,
            *SECURITY_CHANGE,
            writes=True,
            probe=("POST", {"email": "new@example.org"}),
        ),
        R(base + "account/phone", CUSTOMER, *SECURITY_CHANGE, writes=True, probe=("POST", {"phone": "+819011112222"})),
        R(
            base + "account/password/change",
            CUSTOMER,
            *SECURITY_CHANGE,
            writes=True,
            probe=("POST", {"current_password": PW, "new_password": NEW_PW}),
        ),
        R(base + "account/authenticators/totp", CUSTOMER, *SECURITY_CHANGE, writes=True, probe=("DELETE", {})),
        R(base + "account/authenticators/recovery-codes", CUSTOMER, *SECURITY_CHANGE, writes=True, probe=("POST", {})),
        R(base + "account/authenticators/webauthn", CUSTOMER, *SECURITY_CHANGE, writes=True, probe=("GET", {})),
        R(
            base + "auth/sessions",
            CUSTOMER,
            SIGNED_IN,
            SECOND_FACTOR,
            writes=True,
            note="allowed while frozen; naming a session with PUT needs no second factor",
        ),
    ]
    if client == "app":
        rows.append(R(base + "tokens/refresh", PUBLIC, writes=True))
    return rows


ROUTES: list[Route] = [
    # --- operations -------------------------------------------------------------------
    R("healthz", INTERNAL),
    R("readyz", INTERNAL),
    R("metrics", INTERNAL, METRICS_TOKEN),
    # --- public pages ----------------------------------------------------------------
    R("", PUBLIC),
    R("language/", PUBLIC, writes=True, note="language cookie"),
    R("contact/", PUBLIC),
    R("contact/callback/", CUSTOMER, SIGNED_IN, writes=True, note="phone hours only; allowed while frozen"),
    R("status/", PUBLIC),
    R("help/", PUBLIC),
    R("help/search/", PUBLIC),
    R("help/categories/<slug:slug>/", PUBLIC),
    R("help/articles/<slug:slug>/", PUBLIC),
    R("help/articles/<slug:slug>/vote/", PUBLIC, writes=True),
    R("help/articles/<slug:slug>/feedback/", PUBLIC, writes=True, note="what was missing (after a No vote)"),
    R("help/troubleshooter/sign-in/", PUBLIC),
    R("help/status/", PUBLIC),
    # --- sign-in, sign-up, reset (allauth pages we mount; the rest of /accounts/ is 404) --
    R("accounts/login/", PUBLIC, CAPTCHA, writes=True),
    R("accounts/logout/", CUSTOMER, writes=True),
    R("accounts/inactive/", PUBLIC),
    R("accounts/signup/", PUBLIC, CAPTCHA, writes=True),
    R("accounts/confirm-email/", PUBLIC, LOGIN_STAGE, writes=True),
    R("accounts/password/reset/", PUBLIC, CAPTCHA, writes=True),
    R("accounts/password/reset/done/", PUBLIC),
    R("accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$", PUBLIC, SIGNED_LINK, writes=True),
    R("accounts/password/reset/key/done/", PUBLIC),
    R("accounts/2fa/authenticate/", PUBLIC, LOGIN_STAGE, writes=True),
    R("accounts/3rdparty/login/cancelled/", PUBLIC),
    R("accounts/3rdparty/login/error/", PUBLIC),
    R("accounts/3rdparty/signup/", PUBLIC, LOGIN_STAGE, writes=True),
    R(SOCIAL_PROVIDER_ROUTES, PUBLIC, note="each provider's login and callback (MADOGUCHI_SOCIAL_PROVIDERS)"),
    R("login/sms/", PUBLIC, LOGIN_STAGE, writes=True),
    R("login/phone/", PUBLIC, LOGIN_STAGE, writes=True),
    # --- allauth headless (our subclasses answer the account paths) ------------------
    *_headless("app"),
    *_headless("browser"),
    R("_allauth/openapi.yaml", PUBLIC),
    R("_allauth/openapi.json", PUBLIC),
    R("_allauth/openapi.html", PUBLIC),
    # --- customer pages: security ----------------------------------------------------
    R("account/activity/", CUSTOMER, SIGNED_IN),
    R("security/", CUSTOMER, SIGNED_IN),
    R("security/totp/setup/", CUSTOMER, *SECURITY_CHANGE, writes=True),
    R("security/totp/disable/", CUSTOMER, *SECURITY_CHANGE, writes=True, probe=("POST", {"code": ""})),
    R("security/recovery-codes/", CUSTOMER, *SECURITY_CHANGE, writes=True, probe=("POST", {"code": ""})),
    R("security/recovery-codes/download/", CUSTOMER, SIGNED_IN, note="only codes created in the last minutes"),
    R("security/recovery-codes/saved/", CUSTOMER, SIGNED_IN, writes=True),
    R("security/step-up/sms/", CUSTOMER, SIGNED_IN, writes=True),
    R("security/step-up/passkey/", CUSTOMER, SIGNED_IN),
    R("security/anti-phishing/", CUSTOMER, *SECURITY_CHANGE, writes=True, probe=("POST", {"value": "sakura"})),
    R(
        "security/email/",
        CUSTOMER,
        *SECURITY_CHANGE,
        writes=True,
        probe=("POST", {"step": "start", "new_email": "new@example.org"}),
    ),
    R(
        "security/phone/",
        CUSTOMER,
        *SECURITY_CHANGE,
        writes=True,
        probe=("POST", {"step": "start", "new_phone": "09011112222"}),
    ),
    R(
        "security/password/",
        CUSTOMER,
        *SECURITY_CHANGE,
        writes=True,
        probe=("POST", {"current_password": PW, "new_password": NEW_PW}),
    ),
    R("security/passkeys/", CUSTOMER, *SECURITY_CHANGE, writes=True),
    R("security/passkeys/add/", CUSTOMER, *SECURITY_CHANGE, writes=True, probe=("POST", {"step": "authorise"})),
    R("security/passkeys/add/options/", CUSTOMER, SIGNED_IN, NOT_FROZEN, note="only after the second factor"),
    R(
        "security/sessions/",
        CUSTOMER,
        SIGNED_IN,
        SECOND_FACTOR,
        writes=True,
        note="allowed while frozen; naming a session needs no second factor",
    ),
    # --- /api/v1 ----------------------------------------------------------------------
    R("api/v1/", PUBLIC, note="django-ninja's index"),
    R("api/v1/openapi.json", PUBLIC),
    R("api/v1/docs", PUBLIC),
    R("api/v1/captcha", PUBLIC),
    R("api/v1/me", CUSTOMER, SIGNED_IN),
    R("api/v1/me/activity", CUSTOMER, SIGNED_IN),
    R("api/v1/security", CUSTOMER, SIGNED_IN),
    R("api/v1/security/step-up/sms", CUSTOMER, SIGNED_IN, writes=True),
    R(
        "api/v1/security/anti-phishing-code",
        CUSTOMER,
        *SECURITY_CHANGE,
        writes=True,
        probe=("POST", {"value": "sakura"}),
    ),
    R("api/v1/security/totp/disable", CUSTOMER, *SECURITY_CHANGE, writes=True, probe=("POST", {})),
    R("api/v1/security/recovery-codes", CUSTOMER, *SECURITY_CHANGE, writes=True, probe=("POST", {})),
    R("api/v1/security/email", CUSTOMER, *SECURITY_CHANGE, writes=True, probe=("POST", {"new_email": "n@example.org"})),
    R("api/v1/security/email/confirm", CUSTOMER, SIGNED_IN, NOT_FROZEN, writes=True),
    R("api/v1/security/phone", CUSTOMER, *SECURITY_CHANGE, writes=True, probe=("POST", {"new_phone": "09011112222"})),
    R("api/v1/security/phone/confirm", CUSTOMER, SIGNED_IN, NOT_FROZEN, writes=True),
    R("api/v1/recovery/id-selfie-check", PUBLIC, writes=True),
    R("api/v1/recovery/identity-cases", PUBLIC, writes=True),
    R("api/v1/recovery/identity-cases/<case_id>", PUBLIC, OWNER),
    R("api/v1/recovery/password-reset/sms-verify", PUBLIC, LOGIN_STAGE, writes=True),
    R("api/v1/account/freeze", CUSTOMER, SIGNED_IN, writes=True, note="allowed while frozen (idempotent)"),
    R("api/v1/account/freeze-request", PUBLIC, CAPTCHA, writes=True),
    R("api/v1/contact-channels", PUBLIC),
    R("api/v1/inquiry-categories", PUBLIC),
    R("api/v1/inquiry-suggestions", PUBLIC),
    R("api/v1/inquiries", CUSTOMER, SIGNED_IN, writes=True),
    R("api/v1/inquiries/<inquiry_id>", CUSTOMER, SIGNED_IN, OWNER),
    R("api/v1/inquiries/<inquiry_id>/messages", CUSTOMER, SIGNED_IN, OWNER, writes=True),
    R("api/v1/inquiries/<inquiry_id>/close", CUSTOMER, SIGNED_IN, OWNER, writes=True),
    R("api/v1/chat/availability", PUBLIC),
    R("api/v1/chats", CUSTOMER, SIGNED_IN, writes=True, probe=("POST", {"category": "funds", "body": "hello"})),
    R("api/v1/chats/<conversation_id>", CUSTOMER, SIGNED_IN, OWNER),
    R("api/v1/chats/<conversation_id>/messages", CUSTOMER, SIGNED_IN, OWNER, writes=True),
    R("api/v1/chats/<conversation_id>/close", CUSTOMER, SIGNED_IN, OWNER, writes=True),
    R("api/v1/chats/<conversation_id>/attachments", CUSTOMER, SIGNED_IN, OWNER, writes=True),
    R("api/v1/help/search", PUBLIC),
    R("api/v1/help/articles/<slug>", PUBLIC),
    R("api/v1/help/articles/<slug>/vote", PUBLIC, writes=True),
    R("api/v1/help/articles/<slug>/feedback", PUBLIC, writes=True),
    R("api/v1/help/troubleshooter/sign-in", PUBLIC),
    R("api/v1/announcements", PUBLIC),
    R("api/v1/balances", CUSTOMER, SIGNED_IN),
    R("api/v1/withdrawal-addresses", CUSTOMER, *SECURITY_CHANGE, writes=True),
    R("api/v1/withdrawal-addresses/<address_id>", CUSTOMER, SIGNED_IN, OWNER, NOT_FROZEN, writes=True),
    R("api/v1/withdrawals", CUSTOMER, *SECURITY_CHANGE, writes=True),
    R("api/v1/withdrawals/preview", CUSTOMER, SIGNED_IN),
    R(
        "api/v1/withdrawals/<withdrawal_id>/cancel",
        CUSTOMER,
        SIGNED_IN,
        OWNER,
        NOT_FROZEN,
        writes=True,
        note="no second factor: the funds only go back to the balance",
    ),
    # --- trading core -----------------------------------------------------------------
    R("internal/v1/", TRADING_CORE, SERVICE_TOKEN, note="django-ninja's index"),
    R("internal/v1/openapi.json", TRADING_CORE, note="DEBUG only", prefix=True),
    R("internal/v1/accounts/<account_id>/balances", TRADING_CORE, SERVICE_TOKEN, writes=True),
    R("internal/v1/rates", TRADING_CORE, SERVICE_TOKEN, writes=True),
    R("internal/v1/withdrawals", TRADING_CORE, SERVICE_TOKEN),
    R("internal/v1/withdrawals/<withdrawal_id>/status", TRADING_CORE, SERVICE_TOKEN, writes=True),
    # --- recovery (signed out as well) -------------------------------------------------
    R("recovery/password-reset/", PUBLIC, CAPTCHA, writes=True),
    R("recovery/password-reset/code/", PUBLIC, LOGIN_STAGE, writes=True),
    R("recovery/password-reset/sent/", PUBLIC),
    R("recovery/authenticator-lost/", PUBLIC, LOGIN_STAGE, writes=True),
    R("recovery/authenticator-lost/confirm/<str:token>/", PUBLIC, SIGNED_LINK, writes=True),
    R("recovery/freeze/", CUSTOMER, SIGNED_IN, writes=True, note="allowed while frozen"),
    R("recovery/freeze/request/", PUBLIC, CAPTCHA, writes=True),
    R("recovery/freeze/confirm/<str:token>/", PUBLIC, SIGNED_LINK, writes=True),
    R("recovery/identity/", PUBLIC, writes=True),
    R("recovery/identity/<uuid:case_id>/", PUBLIC, OWNER),
    R("recovery/identity/<uuid:case_id>/correct/", PUBLIC, OWNER, writes=True, note="details after a mismatch"),
    R("recovery/identity/<uuid:case_id>/resubmit/<str:token>/", PUBLIC, SIGNED_LINK, writes=True),
    R("recovery/identity/<uuid:case_id>/documents/<int:document_id>/", PUBLIC, OWNER),
    # --- support (customers and guests) ----------------------------------------------
    R("support/", CUSTOMER, SIGNED_IN),
    R("support/new/", PUBLIC, note="category choice; guests continue through support/guest/"),
    R("support/new/<slug:slug>/", CUSTOMER, SIGNED_IN, writes=True),
    R("support/inquiries/<int:inquiry_id>/", CUSTOMER, SIGNED_IN, OWNER, writes=True),
    R("support/inquiries/<int:inquiry_id>/close/", CUSTOMER, SIGNED_IN, OWNER, writes=True),
    R("support/freeze/", CUSTOMER, SIGNED_IN, writes=True, note="allowed while frozen"),
    R("support/suggest/", PUBLIC),
    R("support/attachments/<str:token>/", PUBLIC, SIGNED_LINK, OWNER),
    R("support/guest/", PUBLIC, CAPTCHA, writes=True),
    R("support/guest/verify/", PUBLIC, LOGIN_STAGE, writes=True),
    R("support/guest/inquiries/", PUBLIC, LOGIN_STAGE),
    R("support/guest/new/<slug:slug>/", PUBLIC, LOGIN_STAGE, writes=True),
    R("support/guest/inquiries/<int:inquiry_id>/", PUBLIC, LOGIN_STAGE, OWNER, writes=True),
    # --- wallet ------------------------------------------------------------------------
    R("wallet/", CUSTOMER, SIGNED_IN),
    R("wallet/addresses/", CUSTOMER, *SECURITY_CHANGE, writes=True),
    R(
        "wallet/addresses/<int:address_id>/remove/",
        CUSTOMER,
        SIGNED_IN,
        OWNER,
        NOT_FROZEN,
        writes=True,
        note="confirm page first",
    ),
    R("wallet/withdrawals/", CUSTOMER, SIGNED_IN),
    R(
        "wallet/withdrawals/<int:withdrawal_id>/cancel/",
        CUSTOMER,
        SIGNED_IN,
        OWNER,
        NOT_FROZEN,
        writes=True,
        note="confirm page; no second factor: the funds only go back to the balance",
    ),
    R("wallet/withdraw/", CUSTOMER, *SECURITY_CHANGE, writes=True),
    R("wallet/withdraw/preview/", CUSTOMER, SIGNED_IN, note="the preview panel for the live update"),
    R("wallet/settings/header-total/", CUSTOMER, SIGNED_IN, writes=True),
    # --- live chat (customers and confirmed guests; the WebSocket /ws/chat/ is in chat/routing.py)
    R("chat/", CUSTOMER, SIGNED_IN),
    R("chat/new/", CUSTOMER, SIGNED_IN, writes=True, note="or a guest with a confirmed address"),
    R("chat/<int:conversation_id>/", CUSTOMER, SIGNED_IN, OWNER, note="or its confirmed guest"),
    R("chat/<int:conversation_id>/close/", CUSTOMER, SIGNED_IN, OWNER, writes=True, note="or its confirmed guest"),
    R(
        "chat/<int:conversation_id>/messages/",
        CUSTOMER,
        SIGNED_IN,
        OWNER,
        writes=True,
        note="or its confirmed guest; the compose form and files",
    ),
    R("chat/<int:conversation_id>/files/<str:token>/", CUSTOMER, SIGNED_IN, OWNER, note="or its confirmed guest"),
    # --- staff -------------------------------------------------------------------------
    R("staff/", STAFF, SIGNED_IN, STAFF_ROLE),
    R("staff/second-factor/", STAFF, SIGNED_IN, note="staff gate: enrol a second factor first"),
    R("staff/verify/", STAFF, SIGNED_IN, writes=True, note="staff gate: second factor for this session"),
    R("staff/support/", STAFF, SIGNED_IN, STAFF_ROLE),
    R("staff/support/inquiries/<int:inquiry_id>/", STAFF, SIGNED_IN, STAFF_ROLE, writes=True),
    R("staff/support/inquiries/<int:inquiry_id>/presence/", STAFF, SIGNED_IN, STAFF_ROLE, writes=True),
    R("staff/support/inquiries/<int:inquiry_id>/<slug:action>/", STAFF, SIGNED_IN, STAFF_ROLE, writes=True),
    R("staff/chat/", STAFF, SIGNED_IN, STAFF_ROLE),
    R("staff/chat/<int:conversation_id>/", STAFF, SIGNED_IN, STAFF_ROLE),
    R(
        "staff/chat/<int:conversation_id>/messages/",
        STAFF,
        SIGNED_IN,
        STAFF_ROLE,
        writes=True,
        note="the assigned agent's compose form with files",
    ),
    R("staff/chat/<int:conversation_id>/<slug:action>/", STAFF, SIGNED_IN, STAFF_ROLE, writes=True),
    R("staff/chat/<int:conversation_id>/files/<str:token>/", STAFF, SIGNED_IN, STAFF_ROLE),
    R("recovery/staff/cases/", STAFF, SIGNED_IN, STAFF_ROLE),
    R("recovery/staff/cases/<uuid:case_id>/", STAFF, SIGNED_IN, STAFF_ROLE, writes=True),
    R("recovery/staff/cases/<uuid:case_id>/claim/", STAFF, SIGNED_IN, STAFF_ROLE, writes=True),
    R("recovery/staff/documents/<int:document_id>/", STAFF, SIGNED_IN, STAFF_ROLE),
    R("help/staff/articles/", STAFF, SIGNED_IN, STAFF_ROLE, writes=True),
    R("help/staff/articles/<slug:slug>/", STAFF, SIGNED_IN, STAFF_ROLE, writes=True),
    R("help/staff/search-misses/", STAFF, SIGNED_IN, STAFF_ROLE),
    R("help/staff/synonyms/", STAFF, SIGNED_IN, STAFF_ROLE, writes=True),
    R("help/staff/announcements/", STAFF, SIGNED_IN, STAFF_ROLE, writes=True),
    R("admin/", STAFF, SIGNED_IN, STAFF_ROLE, prefix=True, writes=True, note="Django admin (MADOGUCHI_ADMIN_PATH)"),
]


def by_pattern() -> dict[str, Route]:
    return {r.pattern: r for r in ROUTES}


def walk_resolver() -> list[tuple[str, Any]]:
    """Every mounted (pattern, view) pair, in resolution order (shadowed ones too)."""
    from django.urls import URLResolver, get_resolver

    found: list[tuple[str, Any]] = []

    def walk(patterns: Any, prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            else:
                found.append((prefix + str(p.pattern), p.callback))

    walk(get_resolver().url_patterns, "")
    return found


def row_for(pattern: str, view: Any) -> Route | None:
    """The table row that covers a mounted route, or None."""
    rows = by_pattern()
    if pattern in rows:
        return rows[pattern]
    module = getattr(view, "__module__", "") or ""
    if pattern.startswith("accounts/") and module.startswith("allauth.socialaccount.providers"):
        return rows[SOCIAL_PROVIDER_ROUTES]
    from django.conf import settings

    admin = f"{getattr(settings, 'MADOGUCHI_ADMIN_PATH', 'admin')}/"
    for row in ROUTES:
        if row.prefix and pattern.startswith(admin if row.pattern == "admin/" else row.pattern):
            return row
    return None


def markdown() -> str:
    """The table as it appears in docs/security.md (a test keeps the two equal)."""
    lines = ["| route | zone | checks | changes state |", "|---|---|---|---|"]
    for row in ROUTES:
        pattern = row.pattern + ("…" if row.prefix else "")
        checks = ", ".join(row.checks) or "—"
        note = f" ({row.note})" if row.note else ""
        lines.append(f"| `/{pattern}` | {row.zone} | {checks}{note} | {'yes' if row.writes else ''} |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m config.route_table > table.md
    print(markdown())  # noqa: T201
