"""Every HTML page of the route table, as somebody who can open it, on the demo data.

The accessibility test (``core/tests/browser/test_accessibility.py``) and the phone
benchmark (``benchmarks/pages_phone.py``) both walk this catalogue. It is derived from
``config/route_table.py``: every row of the public, customer and staff zones that is not
an API must be listed in ``PAGES`` (opened) or ``NOT_PAGES`` (with the reason it is no
HTML page), so a new page fails the test until it is listed here.

A page names *who* opens it (a key of ``SESSIONS``) and how to build its URL from the
demo objects (``accounts/mfa/wallet/support/helpcenter/recovery`` ``demo.load``). The
sessions are made in-process with ``django.test.Client`` against the same database as the
server under test; the browser then carries the session cookie.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.route_table import CUSTOMER, PUBLIC, ROUTES, SOCIAL_PROVIDER_ROUTES, STAFF, Route

API_PREFIXES = ("api/", "_allauth/", "internal/")
DEMO_PASSWORDS = {
    "hanako@example.jp": "Hanako2026pass",
    "taro@example.jp": "Taro2026pass",
    "agent@example.jp": "Agent2026pass",
    "admin@example.jp": "Admin2026pass",
}
SIGNUP_EMAIL = "a11y.newcomer@example.jp"
GUEST_EMAIL = "guest.demo@example.com"


@dataclass(frozen=True)
class Page:
    pattern: str
    who: str  # a key of SESSIONS
    url: Callable[[], str] | str
    name: str = ""  # a label when one pattern is opened more than once
    status: int = 200  # what the page answers (allauth's social error page is a 401)

    @property
    def label(self) -> str:
        return self.name or self.pattern or "(home)"

    def path(self) -> str:
        return self.url() if callable(self.url) else self.url


def load_demo() -> None:
    import importlib

    from django.db import transaction

    for app in ["accounts", "mfa", "wallet", "support", "helpcenter", "recovery"]:
        with transaction.atomic():
            importlib.import_module(f"{app}.demo").load()


# --------------------------------------------------------------------------- objects


def _user(email: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(email=email)


def _hanako_inquiry() -> str:
    from support.models import Inquiry

    return f"/support/inquiries/{Inquiry.objects.filter(customer__email='hanako@example.jp').order_by('pk')[0].pk}/"


def _guest_inquiry() -> str:
    from support.models import Inquiry

    return f"/support/guest/inquiries/{Inquiry.objects.filter(guest_email=GUEST_EMAIL).order_by('pk')[0].pk}/"


def _staff_inquiry() -> str:
    from support.models import Inquiry

    return f"/staff/support/inquiries/{Inquiry.objects.order_by('pk')[0].pk}/"


def _case() -> Any:
    from recovery.models import IdentityCase

    return IdentityCase.objects.filter(user__email="taro@example.jp").order_by("first_submitted_at")[0]


def _category_slug() -> str:
    from helpcenter.models import Category

    return str(Category.objects.order_by("pk")[0].slug)


def _article_slug() -> str:
    from helpcenter.models import Article

    return str(Article.objects.order_by("pk")[0].slug)


def _support_category(guest: bool) -> Callable[[], str]:
    def url() -> str:
        from support.models import Category

        slug = Category.objects.order_by("pk")[0].slug
        return f"/support/guest/new/{slug}/" if guest else f"/support/new/{slug}/"

    return url


def _reset_key() -> str:
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str

    user = _user("hanako@example.jp")
    return f"/accounts/password/reset/key/{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}/"


def _freeze_confirm() -> str:
    from recovery import services

    return "/" + services.freeze_link(_user("hanako@example.jp")).split("/", 3)[3]


def _authenticator_lost_confirm() -> str:
    import datetime as dt
    import secrets

    from django.utils import timezone

    from recovery import services
    from recovery.models import AuthenticatorRecovery

    token = secrets.token_urlsafe(32)
    AuthenticatorRecovery.objects.create(
        user=_user("taro@example.jp"),
        token_hash=services._sha256(token),
        expires_at=timezone.now() + dt.timedelta(minutes=30),
    )
    return f"/recovery/authenticator-lost/confirm/{token}/"


def _resubmit() -> str:
    """Hanako's case, rejected for a details mismatch: the link opens it with the form to
    send corrected details and a new photo."""
    from recovery import services

    return "/" + services.resubmit_link(_rejected_case()).split("/", 3)[3]


def _pending_withdrawal() -> str:
    """One of taro's withdrawals still pending (the demo history has only sent and failed)."""
    from wallet.models import Withdrawal

    pending = Withdrawal.objects.filter(user__email="taro@example.jp", status=Withdrawal.Status.PENDING).first()
    if pending is None:
        sent = Withdrawal.objects.filter(user__email="taro@example.jp").order_by("pk")[0]
        pending = Withdrawal.objects.create(
            user=sent.user,
            currency=sent.currency,
            amount=sent.amount,
            fee=sent.fee,
            address=sent.address,
            address_text=sent.address_text,
            destination_tag=sent.destination_tag,
            status=Withdrawal.Status.PENDING,
        )
    return f"/wallet/withdrawals/{pending.pk}/cancel/"


def _address_remove() -> str:
    from wallet.models import WithdrawalAddress

    address = WithdrawalAddress.objects.filter(user__email="taro@example.jp", removed_at=None).order_by("pk")[0]
    return f"/wallet/addresses/{address.pk}/remove/"


def _rejected_case() -> Any:
    from recovery import demo, services
    from recovery.models import IdentityCase

    case = IdentityCase.objects.filter(user__email="hanako@example.jp").first()
    if case is None:
        case = services.identity_case_submit(
            user=_user("hanako@example.jp"),
            purpose=IdentityCase.Purpose.TWO_FACTOR_RESET,
            details={
                "full_name": "山田 花子",
                "full_name_kana": "ヤマダ ハナコ",
                "address": "東京都千代田区丸の内1-1-1",
                "date_of_birth": "1990-04-01",
                "registered_phone": "090-1234-5678",
                "phone_changed": False,
                "new_phone": "",
                "emails": ["hanako@example.jp"],
            },
            image=demo.DEMO_IMAGE.read_bytes(),
        )
        IdentityCase.objects.filter(pk=case.pk).update(
            status=IdentityCase.Status.REJECTED, rejection_reasons=["details_mismatch"]
        )
        case.refresh_from_db()
    return case


def _demo_chat() -> Any:
    """Hanako's chat in the funds team's queue (made directly: chat hours do not matter)."""
    from django.utils import timezone

    from chat.models import ChatMessage, Conversation
    from support.models import Category

    found = Conversation.objects.filter(customer__email="hanako@example.jp").order_by("pk").first()
    if found is not None:
        return found
    category = Category.objects.get(slug="funds")
    now = timezone.now()
    chat = Conversation.objects.create(
        reference="C-A11YDEMO",
        customer=_user("hanako@example.jp"),
        category=category,
        queue=category.queue,
        last_seq=1,
        created_at=now,
    )
    ChatMessage.objects.create(conversation=chat, seq=1, sender="customer", body="出金が届きません", created_at=now)
    return chat


def _admin_pages() -> list[Page]:
    """The admin's index, and for each registered model its list, add form (when allowed)
    and the change form of one object."""
    from django.conf import settings
    from django.contrib import admin

    base = "/" + str(getattr(settings, "MADOGUCHI_ADMIN_PATH", "admin")).strip("/") + "/"
    pages = [Page("admin/", "admin", base, name="admin/ index")]
    for model in sorted(admin.site._registry, key=lambda m: (m._meta.app_label, m._meta.model_name)):
        meta = model._meta
        prefix = f"{base}{meta.app_label}/{meta.model_name}/"
        pages.append(Page("admin/", "admin", prefix, name=f"admin/ {meta.label} list"))

        def change(model: Any = model, prefix: str = prefix) -> str:
            obj = model._default_manager.order_by("pk").first()
            return f"{prefix}{obj.pk}/change/" if obj is not None else prefix

        pages.append(Page("admin/", "admin", change, name=f"admin/ {meta.label} change"))
    return pages


# --------------------------------------------------------------------------- the catalogue

# Rows of the page zones that are no HTML page of their own, and why.
NOT_PAGES: dict[str, str] = {
    "language/": "POST only (sets the language cookie)",
    "help/articles/<slug:slug>/vote/": "POST only",
    "help/articles/<slug:slug>/feedback/": "POST only",
    "accounts/3rdparty/signup/": "needs a social provider's callback in the session (no provider in tests)",
    SOCIAL_PROVIDER_ROUTES: "redirects to the provider",
    "security/recovery-codes/download/": "a text file",
    "security/recovery-codes/saved/": "POST only",
    "security/anti-phishing/": "POST only (the form is on the security page)",
    "security/step-up/sms/": "POST only (JSON)",
    "security/step-up/passkey/": "JSON (WebAuthn options)",
    "security/passkeys/add/options/": "JSON (WebAuthn options)",
    "recovery/identity/<uuid:case_id>/documents/<int:document_id>/": "an image",
    "support/inquiries/<int:inquiry_id>/close/": "POST only",
    "support/suggest/": "an HTML fragment for the inquiry form",
    "support/attachments/<str:token>/": "the attached file",
    "chat/<int:conversation_id>/close/": "POST only",
    "chat/<int:conversation_id>/messages/": "POST only (the chat page's compose form)",
    "chat/<int:conversation_id>/files/<str:token>/": "the attached file",
    "staff/chat/<int:conversation_id>/files/<str:token>/": "the attached file",
    "staff/chat/<int:conversation_id>/<slug:action>/": "POST only",
    "staff/chat/<int:conversation_id>/messages/": "POST only (the agent's compose form with files)",
    "wallet/settings/header-total/": "POST only",
    "staff/support/inquiries/<int:inquiry_id>/presence/": "POST only (JSON)",
    "staff/support/inquiries/<int:inquiry_id>/<slug:action>/": "POST only",
    "recovery/staff/cases/<uuid:case_id>/claim/": "POST only",
    "recovery/staff/documents/<int:document_id>/": "an image",
    "recovery/freeze/": "POST only (the freeze button on the security page)",
    "support/freeze/": "POST only (the freeze button on the inquiry form)",
    "wallet/withdraw/preview/": "an HTML fragment for the withdrawal form",
    "contact/callback/": "POST only (the callback form on the contact page)",
}


def _pages() -> list[Page]:
    hanako, taro = "hanako", "taro"
    pages = [
        Page("", "guest", "/", name="(home, signed out)"),
        Page("", hanako, "/", name="(home, signed in)"),
        Page("contact/", "guest", "/contact/"),
        Page("status/", "guest", "/status/"),
        Page("help/", "guest", "/help/"),
        Page("help/search/", "guest", "/help/search/?q=パスワード"),
        Page("help/search/", "guest", "/help/search/?q=zzzzqqq", name="help/search/ (no result)"),
        Page("help/categories/<slug:slug>/", "guest", lambda: f"/help/categories/{_category_slug()}/"),
        Page("help/articles/<slug:slug>/", "guest", lambda: f"/help/articles/{_article_slug()}/"),
        Page("help/troubleshooter/sign-in/", "guest", "/help/troubleshooter/sign-in/"),
        Page("help/status/", "guest", "/help/status/"),
        Page("accounts/login/", "guest", "/accounts/login/"),
        Page("accounts/logout/", hanako, "/accounts/logout/"),
        Page("accounts/inactive/", "guest", "/accounts/inactive/"),
        Page("accounts/signup/", "guest", "/accounts/signup/"),
        Page("accounts/confirm-email/", "signup_email_stage", "/accounts/confirm-email/"),
        Page("accounts/password/reset/", "guest", "/accounts/password/reset/"),
        Page("accounts/password/reset/done/", "guest", "/accounts/password/reset/done/"),
        Page("accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$", "guest", _reset_key),
        Page("accounts/password/reset/key/done/", "guest", "/accounts/password/reset/key/done/"),
        Page("accounts/2fa/authenticate/", "totp_stage", "/accounts/2fa/authenticate/"),
        Page("accounts/3rdparty/login/cancelled/", "guest", "/accounts/3rdparty/login/cancelled/"),
        Page("accounts/3rdparty/login/error/", "guest", "/accounts/3rdparty/login/error/", status=401),
        Page("login/sms/", "sms_stage", "/login/sms/"),
        Page("login/phone/", "signup_phone_stage", "/login/phone/"),
        Page("account/activity/", hanako, "/account/activity/"),
        Page("security/", hanako, "/security/"),
        Page("security/", taro, "/security/", name="security/ (authenticator app)"),
        Page("security/totp/setup/", hanako, "/security/totp/setup/"),
        Page("security/totp/disable/", taro, "/security/totp/disable/"),
        Page("security/recovery-codes/", taro, "/security/recovery-codes/"),
        Page("security/email/", hanako, "/security/email/"),
        Page("security/phone/", hanako, "/security/phone/"),
        Page("security/password/", hanako, "/security/password/"),
        Page("security/passkeys/", hanako, "/security/passkeys/"),
        Page("security/passkeys/add/", hanako, "/security/passkeys/add/"),
        Page("security/sessions/", hanako, "/security/sessions/"),
        Page("recovery/password-reset/", "guest", "/recovery/password-reset/"),
        Page("recovery/password-reset/code/", "reset_code_stage", "/recovery/password-reset/code/"),
        Page("recovery/password-reset/sent/", "guest", "/recovery/password-reset/sent/"),
        Page("recovery/authenticator-lost/", "totp_stage", "/recovery/authenticator-lost/"),
        Page("recovery/authenticator-lost/confirm/<str:token>/", "guest", _authenticator_lost_confirm),
        Page("recovery/freeze/request/", "guest", "/recovery/freeze/request/"),
        Page("recovery/freeze/confirm/<str:token>/", "guest", _freeze_confirm),
        Page("recovery/identity/", "totp_stage", "/recovery/identity/"),
        Page("recovery/identity/<uuid:case_id>/", taro, lambda: f"/recovery/identity/{_case().pk}/"),
        Page("recovery/identity/<uuid:case_id>/resubmit/<str:token>/", "guest", _resubmit),
        Page(
            "recovery/identity/<uuid:case_id>/correct/",
            hanako,
            lambda: f"/recovery/identity/{_rejected_case().pk}/correct/",
        ),
        Page("support/", hanako, "/support/"),
        Page("chat/", hanako, "/chat/"),
        Page("chat/new/", hanako, "/chat/new/"),
        Page("chat/<int:conversation_id>/", hanako, lambda: f"/chat/{_demo_chat().pk}/"),
        Page("staff/chat/", "agent", "/staff/chat/"),
        Page("staff/chat/<int:conversation_id>/", "agent", lambda: f"/staff/chat/{_demo_chat().pk}/"),
        Page("support/new/", hanako, "/support/new/"),
        Page("support/new/<slug:slug>/", hanako, _support_category(guest=False)),
        Page("support/inquiries/<int:inquiry_id>/", hanako, _hanako_inquiry),
        Page("support/guest/", "guest", "/support/guest/"),
        Page("support/guest/verify/", "guest_pending", "/support/guest/verify/"),
        Page("support/guest/inquiries/", "guest_support", "/support/guest/inquiries/"),
        Page("support/guest/new/<slug:slug>/", "guest_support", _support_category(guest=True)),
        Page("support/guest/inquiries/<int:inquiry_id>/", "guest_support", _guest_inquiry),
        Page("wallet/", taro, "/wallet/"),
        Page("wallet/addresses/", taro, "/wallet/addresses/"),
        Page("wallet/withdrawals/", taro, "/wallet/withdrawals/"),
        Page("wallet/withdraw/", taro, "/wallet/withdraw/"),
        Page("wallet/withdrawals/<int:withdrawal_id>/cancel/", taro, _pending_withdrawal),
        Page("wallet/addresses/<int:address_id>/remove/", taro, _address_remove),
        # staff
        Page("staff/", "agent", "/staff/"),
        Page("staff/second-factor/", "staff_unenrolled", "/staff/second-factor/", status=403),
        Page("staff/verify/", "agent_unverified", "/staff/verify/"),
        Page("staff/support/", "agent", "/staff/support/"),
        Page("staff/support/inquiries/<int:inquiry_id>/", "agent", _staff_inquiry),
        Page("recovery/staff/cases/", "agent", "/recovery/staff/cases/"),
        Page("recovery/staff/cases/<uuid:case_id>/", "agent", lambda: f"/recovery/staff/cases/{_case().pk}/"),
        Page("help/staff/articles/", "admin", "/help/staff/articles/"),
        Page("help/staff/articles/<slug:slug>/", "admin", lambda: f"/help/staff/articles/{_article_slug()}/"),
        Page("help/staff/search-misses/", "admin", "/help/staff/search-misses/"),
        Page("help/staff/synonyms/", "admin", "/help/staff/synonyms/"),
        Page("help/staff/announcements/", "admin", "/help/staff/announcements/"),
    ]
    return pages


def page_rows() -> list[Route]:
    """The route-table rows that are (or may be) HTML pages."""
    return [r for r in ROUTES if r.zone in (PUBLIC, CUSTOMER, STAFF) and not r.pattern.startswith(API_PREFIXES)]


def unlisted() -> list[str]:
    listed = {p.pattern for p in _pages()} | set(NOT_PAGES) | {"admin/"}
    return [r.pattern for r in page_rows() if r.pattern not in listed]


def pages(*, zones: tuple[str, ...] = (PUBLIC, CUSTOMER, STAFF), admin: bool = True) -> list[Page]:
    zone_of = {r.pattern: r.zone for r in ROUTES}
    found = [p for p in _pages() if zone_of[p.pattern] in zones]
    if admin and STAFF in zones:
        found += _admin_pages()
    return found


# --------------------------------------------------------------------------- sessions


def _client() -> Any:
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="ja", REMOTE_ADDR="127.0.0.1")


def _signed_in(email: str, *, staff_verified: bool = True) -> Callable[[Path], Any]:
    def make(outbox: Path) -> Any:
        from django.contrib.auth import SESSION_KEY

        from core import staff

        client = _client()
        user = _user(email)
        # django.test.Client.force_login without the suite's patch (conftest.py): the staff
        # verification is set explicitly below, and the benchmark has no patch at all.
        from django.conf import settings

        client._login(user, settings.AUTHENTICATION_BACKENDS[0])
        session = client.session
        assert session.get(SESSION_KEY) == str(user.pk)
        if user.is_staff and staff_verified and staff.second_factor_enrolled(user):
            session[staff.SESSION_VERIFIED_KEY] = {"user": str(user.pk), "at": time.time()}
            session.save()
        return client

    return make


def _password_step(email: str) -> Callable[[Path], Any]:
    def make(outbox: Path) -> Any:
        from tests_support.captcha import solve

        client = _client()
        response = client.post(
            "/accounts/login/", {"login": email, "password": DEMO_PASSWORDS[email], "captcha": solve(client)}
        )
        assert response.status_code == 302, response.status_code
        return client

    return make


def _signup(*, confirm_email: bool) -> Callable[[Path], Any]:
    def make(outbox_dir: Path) -> Any:
        from conftest import run_pending_on_commit
        from tests_support.captcha import solve
        from tests_support.outbox import Outbox

        client = _client()
        email = f"{time.time_ns()}.{SIGNUP_EMAIL}"
        data = {
            "email": email,
            "password1": "Fresh-2026-pass",
            "password2": "Fresh-2026-pass",
            "phone": f"0908{time.time_ns() % 10**7:07d}",
            "captcha": solve(client),
        }
        response = client.post("/accounts/signup/", data)
        assert response.status_code == 302, response.content[:2000]
        if confirm_email:
            code = Outbox(outbox_dir, before_read=run_pending_on_commit).last_email_code(email)
            response = client.post("/accounts/confirm-email/", {"code": code})
            assert response.status_code == 302 and "/login/phone/" in response["Location"], response.status_code
        return client

    return make


def _reset_code(outbox: Path) -> Any:
    from tests_support.captcha import solve

    client = _client()
    response = client.post("/recovery/password-reset/", {"email": "hanako@example.jp", "captcha": solve(client)})
    assert response.status_code == 302, response.status_code
    return client


def _guest(*, verified: bool) -> Callable[[Path], Any]:
    def make(outbox: Path) -> Any:
        from support import views

        client = _client()
        session = client.session
        if verified:
            session[views.GUEST_SESSION_KEY] = {"email": GUEST_EMAIL, "until": time.time() + 3600}
        else:
            session["support_guest_pending"] = GUEST_EMAIL
        session.save()
        return client

    return make


def _unenrolled_staff(outbox: Path) -> Any:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts import roles

    user, created = get_user_model().objects.get_or_create(
        email="new.agent@example.jp", defaults={"is_staff": True, "phone": "+819056781234"}
    )
    if created:
        user.set_password("New-agent-2026")
        user.save()
        user.groups.add(Group.objects.get_or_create(name=roles.SUPPORT_AGENT)[0])
    return _signed_in(user.email)(outbox)


SESSIONS: dict[str, Callable[[Path], Any]] = {
    "guest": lambda outbox: None,
    "hanako": _signed_in("hanako@example.jp"),
    "taro": _signed_in("taro@example.jp"),
    "agent": _signed_in("agent@example.jp"),
    "admin": _signed_in("admin@example.jp"),
    "agent_unverified": _signed_in("agent@example.jp", staff_verified=False),
    "staff_unenrolled": _unenrolled_staff,
    "sms_stage": _password_step("hanako@example.jp"),
    "totp_stage": _password_step("taro@example.jp"),
    "signup_email_stage": _signup(confirm_email=False),
    "signup_phone_stage": _signup(confirm_email=True),
    "reset_code_stage": _reset_code,
    "guest_pending": _guest(verified=False),
    "guest_support": _guest(verified=True),
}

# A session that one page's visit may use up (a pending sign-in step) is made per page.
PER_PAGE = {"sms_stage", "totp_stage", "signup_email_stage", "signup_phone_stage", "reset_code_stage"}


def session_cookie(client: Any) -> str | None:
    from django.conf import settings

    if client is None:
        return None
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    return cookie.value if cookie is not None else None
