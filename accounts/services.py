"""Account writes: sign-up completion, language, freezes, withdrawal holds, sessions, devices."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from core.audit import audit_log
from core.errors import ApplicationError
from core.notify import send_email

from .models import User

DEVICE_COOKIE = "mdg_device"
DEVICE_COOKIE_AGE = 400 * 24 * 3600


def signup_complete(*, user: User, phone: str, request: HttpRequest | None) -> None:
    """Called by allauth while saving a new user. The number waits in ``phone_pending``
    until the customer enters the code texted to it (accounts.phone_verification): the
    sign-up cannot complete before. Whether the number belongs to someone else is decided
    only there, and never shown to the newcomer."""
    user.phone = None
    user.phone_pending = phone or ""
    user.language = getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE
    user.save()
    audit_log(user=user, event="signup", request=request)


def user_set_language(*, user: User, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])


def account_freeze(*, user: User, reason: str, actor: Any = None, request: HttpRequest | None = None) -> bool:
    """Freeze at once. Returns False when the account was already frozen (idempotent).

    Freeze means freeze: in the same transaction every pending withdrawal is cancelled and
    its funds go back to the available balance (wallet.services.withdrawals_cancel_for_freeze;
    lock order customer -> withdrawal -> balance, the one the internal API uses too)."""
    from wallet.services import withdrawals_cancel_for_freeze

    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        if locked.frozen_at is not None:
            return False
        locked.frozen_at = timezone.now()
        locked.frozen_reason = reason[:200]
        locked.save(update_fields=["frozen_at", "frozen_reason"])
        user.frozen_at, user.frozen_reason = locked.frozen_at, locked.frozen_reason
        audit_log(user=user, actor=actor, event="account.frozen", request=request, data={"reason": reason[:200]})
        cancelled = withdrawals_cancel_for_freeze(user=locked, actor=actor, request=request)
        send_email(user=user, kind="account_frozen", context={"withdrawals_cancelled": len(cancelled)})
    return True


def account_unfreeze(*, user: User, actor: Any, request: HttpRequest | None = None) -> None:
    from .roles import IDENTITY_REVIEWER, SECURITY_AGENT, has_role

    if not (has_role(actor, IDENTITY_REVIEWER) or has_role(actor, SECURITY_AGENT)):
        raise ApplicationError("permission_denied", _("You do not have permission to do this."), status=403)
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        locked.frozen_at = None
        locked.frozen_reason = ""
        locked.save(update_fields=["frozen_at", "frozen_reason"])
        user.frozen_at, user.frozen_reason = None, ""
        audit_log(user=user, actor=actor, event="account.unfrozen", request=request)
        send_email(user=user, kind="account_unfrozen", context={})


def withdrawal_hold_set(*, user: User, hours: int, reason: str, request: HttpRequest | None = None) -> dt.datetime:
    """Hold withdrawals for `hours` from now; never shortens an existing hold."""
    until = timezone.now() + dt.timedelta(hours=hours)
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        if locked.withdrawal_hold_until is None or locked.withdrawal_hold_until < until:
            locked.withdrawal_hold_until = until
            locked.save(update_fields=["withdrawal_hold_until"])
        user.withdrawal_hold_until = locked.withdrawal_hold_until
        audit_log(
            user=user,
            event="withdrawal.hold_set",
            request=request,
            data={"reason": reason, "until": locked.withdrawal_hold_until.isoformat()},
        )
    assert user.withdrawal_hold_until is not None
    return user.withdrawal_hold_until


def ensure_not_frozen(user: User) -> None:
    if user.frozen_at is not None:
        raise ApplicationError(
            "account_frozen",
            _(
                "Your account is frozen for your protection. Trading, withdrawals and security "
                "changes are stopped until identity verification lifts the freeze."
            ),
            status=403,
        )


def ensure_no_withdrawal_hold(user: User) -> None:
    until = user.withdrawal_hold_until
    if until is not None and until > timezone.now():
        local = timezone.localtime(until)
        raise ApplicationError(
            "withdrawal_hold",
            _("Withdrawals are on hold after a recent security change until %(until)s.")
            % {"until": formats.date_format(local, "DATETIME_FORMAT")},
            status=403,
        )


def sessions_end_all(*, user: User, except_session_key: str | None = None, request: HttpRequest | None = None) -> int:
    from allauth.usersessions.models import UserSession

    ended = 0
    for session in UserSession.objects.filter(user=user):
        if session.session_key != except_session_key:
            session.end()
            ended += 1
    audit_log(user=user, event="sessions.ended_all", request=request, data={"count": ended})
    return ended


def _insert_known_device(*, user: User, device_hash: str, user_agent: str) -> bool:
    from django.db import IntegrityError, connection, transaction

    from core.models import KnownDevice

    try:
        if connection.in_atomic_block:
            with transaction.atomic():
                KnownDevice.objects.create(user=user, device_hash=device_hash, user_agent=user_agent)
        else:
            KnownDevice.objects.create(user=user, device_hash=device_hash, user_agent=user_agent)
    except IntegrityError:
        return False  # the same device signed in concurrently and was recorded first
    return True


def device_seen(*, user: User, request: HttpRequest) -> bool:
    """Record the browser/app the customer signed in from; email on a new one.

    Browsers are recognised by a long-lived random cookie; apps (no cookie jar) by their
    user agent. Returns True when the device was new.
    """
    from core.models import KnownDevice

    user_agent = request.headers.get("User-Agent", "")[:300]
    if request.path.startswith("/_allauth/app/"):
        basis = user_agent
    else:
        basis = str(request.COOKIES.get(DEVICE_COOKIE) or getattr(request, "_madoguchi_device_token", ""))
        if not basis:
            basis = secrets.token_urlsafe(24)
            # accounts.middleware.DeviceCookieMiddleware sets it on the response.
            request._madoguchi_device_token = basis  # type: ignore[attr-defined]
    device_hash = hashlib.sha256(f"{user.pk}:{basis}".encode()).hexdigest()
    # One read of the customer's device hashes (a handful), then an INSERT only for a new
    # device; the unique key decides between two concurrent first sign-ins of one device.
    known = set(KnownDevice.objects.filter(user=user).values_list("device_hash", flat=True))
    if device_hash in known:
        return False
    created = _insert_known_device(user=user, device_hash=device_hash, user_agent=user_agent)
    first_device = created and not known
    if created and not first_device:
        from core.ratelimit import client_ip
        from core.useragent import describe

        device = describe(user_agent)
        send_email(
            user=user,
            kind="new_device_signin",
            context={
                "when": timezone.now().isoformat(),
                "browser": device.browser,
                "os": device.os,
                "device": device.device,
                "ip": client_ip(request) or "",
            },
        )
        audit_log(user=user, event="login.new_device", request=request, data={"user_agent": user_agent})
    return created


# --- security changes owned by accounts (the gate is mfa.perimeter) -----------------------


def password_change(
    *,
    user: User,
    current_password: str,
    new_password: str,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> int:
    """Change the password: freeze check, second factor, the current password, the rules.

    The current session stays signed in; every other session ends. Returns how many
    sessions ended.
    """
    from django.contrib.auth import update_session_auth_hash
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from core import ratelimit
    from mfa import perimeter

    ensure_not_frozen(user)
    ratelimit.check(f"accounts:password-change:{user.pk}", limit=10, period=3600)
    if user.has_usable_password() and not user.check_password(current_password or ""):
        message = _("The current password is not correct.")
        audit_log(user=user, event="password.change_failed", request=request, visible_to_customer=False)
        raise ApplicationError("password_invalid", message, fields={"current_password": [message]})
    try:
        validate_password(new_password or "", user=user)
    except ValidationError as exc:
        messages = [str(m) for m in exc.messages]
        raise ApplicationError("validation_failed", " ".join(messages), fields={"new_password": messages}) from exc
    perimeter.authorise(
        user=user,
        action="password_change",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        locked.set_password(new_password)
        locked.save(update_fields=["password"])
        user.password = locked.password
        keep = None
        if request is not None and hasattr(request, "session"):
            update_session_auth_hash(request, locked)
            keep = request.session.session_key
        ended = _sessions_end(user=user, keep_session_key=keep)
        perimeter.completed(
            user=user,
            action="password_change",
            event="password.changed",
            request=request,
            notify="password_changed",
            data={"sessions_ended": ended},
        )
    return ended


def _sessions_end(*, user: User, keep_session_key: str | None, ids: list[int] | None = None) -> int:
    from allauth.usersessions.models import UserSession

    rows = UserSession.objects.filter(user=user)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    ended = 0
    for session in rows:
        if keep_session_key is None or session.session_key != keep_session_key:
            session.end()
            ended += 1
    return ended


def sessions_end(
    *,
    user: User,
    session_ids: list[int] | None = None,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> int:
    """End the named sessions (or every other one): the customer's second factor first, so
    a stolen session cannot throw its owner out. Allowed while frozen."""
    from allauth.usersessions.models import UserSession

    from mfa import perimeter

    if session_ids is not None:
        owned = set(UserSession.objects.filter(user=user, pk__in=session_ids).values_list("pk", flat=True))
        if not session_ids or owned != set(session_ids):
            raise ApplicationError("not_found", _("Session not found."), status=404)
    perimeter.authorise(
        user=user,
        action="sessions_end",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    # Named sessions end as named (this one too); without names, every other session ends.
    keep = request.session.session_key if request is not None and hasattr(request, "session") else None
    ends_current = bool(
        session_ids and keep and UserSession.objects.filter(pk__in=session_ids, session_key=keep).exists()
    )
    with transaction.atomic():
        ended = _sessions_end(user=user, keep_session_key=None if session_ids else keep, ids=session_ids)
        perimeter.completed(
            user=user,
            action="sessions_end",
            event="sessions.ended",
            request=request,
            notify="sessions_ended" if ended else None,
            context={"count": ended},
            data={"count": ended, "current": ends_current},
        )
    if ends_current and request is not None:
        # Ending this very session signs the customer out here too (as allauth's flow does).
        from allauth.account.internal.flows.logout import logout

        logout(request)
    return ended


SESSION_LABEL_MAX = 40


def session_label_set(*, user: User, session_id: int, label: str, request: HttpRequest | None = None) -> str:
    """Name one of the customer's sessions ("Office laptop"); an empty label goes back to the
    parsed device name. Only a name the customer sees in their own list: audited, no second
    factor, no email."""
    import unicodedata

    from allauth.usersessions.models import UserSession

    from .selectors import SESSION_LABEL_KEY

    label = " ".join(unicodedata.normalize("NFKC", label or "").split())
    if len(label) > SESSION_LABEL_MAX:
        message = _("Use at most %(max)d characters.") % {"max": SESSION_LABEL_MAX}
        raise ApplicationError("validation_failed", message, fields={"label": [message]})
    with transaction.atomic():
        session = UserSession.objects.select_for_update().filter(user=user, pk=session_id).first()
        if session is None:
            raise ApplicationError("not_found", _("Session not found."), status=404)
        data = dict(session.data or {})
        if label:
            data[SESSION_LABEL_KEY] = label
        else:
            data.pop(SESSION_LABEL_KEY, None)
        session.data = data
        session.save(update_fields=["data"])
        audit_log(user=user, event="sessions.renamed", request=request, data={"session": session.pk})
    return label
