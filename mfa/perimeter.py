"""The gate every security change passes: one policy table, one check, one aftermath.

Every writer of security state (email, phone, password, TOTP, recovery codes,
passkeys, anti-phishing code, sessions) starts with :func:`authorise` and ends with
:func:`completed`, whatever the interface (our pages, ``/api/v1``, the allauth headless
account endpoints we mount at allauth's paths):

- ``authorise``: the freeze check (403 ``account_frozen``), then the per-action second
  factor. A password never satisfies it when the customer has a second factor. Two
  forms of proof exist:

  * a code or passkey assertion sent with the change (pages and ``/api/v1``), judged by
    ``mfa.services.second_factor_verify``;
  * for allauth headless clients, a second-factor re-authentication
    (``POST /_allauth/*/v1/auth/2fa/reauthenticate``) made for this one change: the
    newest authentication record of the session must be a recent ``mfa``
    re-authentication not yet spent on another change (``reauthenticated=True``).

- ``completed``: the audit row, the notification in the customer's saved language and,
  for changes of email, phone, password or second factor, the withdrawal cool-down
  (``accounts.services.restrictions.withdrawal_hold_set``, ``MADOGUCHI_SECURITY_CHANGE_HOLD_HOURS``,
  default 24 h); the notification then says until when and carries the freeze link.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services.restrictions import ensure_not_frozen, withdrawal_hold_set
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode
from core.notify import send_email

# Seconds a second-factor re-authentication stays good for one change (allauth's own
# ACCOUNT_REAUTHENTICATION_TIMEOUT is 300 s as well).
REAUTH_TTL = 300
_SPENT_KEY = "madoguchi.reauth_spent_at"


@dataclass(frozen=True, slots=True)
class Policy:
    frozen_blocks: bool = True  # a frozen account may not make it
    cool_down: bool = False  # withdrawals held afterwards
    second_factor: bool = True  # per-action second factor (when the customer has one)


POLICIES: dict[str, Policy] = {
    "email_change": Policy(cool_down=True),
    "phone_change": Policy(cool_down=True),
    "password_change": Policy(cool_down=True),
    "totp_enable": Policy(cool_down=True),
    "totp_disable": Policy(cool_down=True),
    "recovery_codes_regenerate": Policy(cool_down=True),
    "passkey_add": Policy(cool_down=True),
    "passkey_remove": Policy(cool_down=True),
    "passkey_rename": Policy(),
    "anti_phishing_code_set": Policy(),
    # Ending sessions only takes access away: a frozen customer (phone stolen) must be
    # able to throw a thief's session out. A stolen session may not end the owner's.
    "sessions_end": Policy(frozen_blocks=False),
}


def hold_hours() -> int:
    return int(getattr(settings, "MADOGUCHI_SECURITY_CHANGE_HOLD_HOURS", 24))


def has_strong_factor(user: User) -> bool:
    return Authenticator.objects.filter(
        user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def has_second_factor(user: User) -> bool:
    """An authenticator, or a phone for SMS codes."""
    return bool(getattr(user, "phone", None)) or has_strong_factor(user)


def reauthentication_required() -> ApplicationError:
    return ApplicationError(
        CommonErrorCode.TWO_FACTOR_REQUIRED,
        _("Confirm with your second factor (authenticator app, passkey or SMS code) before this change."),
        status=401,
    )


def _fresh_mfa_reauthentication(request: HttpRequest | None, user: User) -> dict[str, Any] | None:
    from allauth.account.internal.flows.login import get_authentication_records

    if request is None or not hasattr(request, "session"):
        return None
    records = get_authentication_records(request, user)
    if not records:
        return None
    newest = records[-1]
    if not newest.get("reauthenticated") or newest.get("method") != "mfa":
        return None  # a password re-authentication never counts
    at = float(newest.get("at") or 0)
    if time.time() - at > REAUTH_TTL or request.session.get(_SPENT_KEY) == at:
        return None
    return newest


_PENDING_SPEND_ATTR = "_madoguchi_reauth_to_spend"


def _spend_reauthentication(request: HttpRequest, user: User, *, now: bool) -> None:
    """Check the re-authentication; spend it now, or when the change is done
    (:func:`completed`), so that a change refused for bad input (a mistyped code) does not
    use it up."""
    record = _fresh_mfa_reauthentication(request, user)
    if record is None:
        raise reauthentication_required()
    at = float(record.get("at") or 0)
    if now:
        request.session[_SPENT_KEY] = at
    else:
        setattr(request, _PENDING_SPEND_ATTR, at)


def _password_reauthenticated(request: HttpRequest | None) -> bool:
    from allauth.account.internal.flows.reauthentication import did_recently_reauthenticate

    return request is not None and hasattr(request, "session") and did_recently_reauthenticate(request)


def authorise(
    *,
    user: User,
    action: str,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
    spend_now: bool = False,
) -> None:
    """Freeze check, then the second factor for this one ``action``.

    ``reauthenticated``: the allauth headless form of proof (see the module docstring). It
    is spent by :func:`completed`, or at once with ``spend_now`` (a grant for a later
    request, e.g. the passkey creation ceremony).
    A customer with no second factor at all (no authenticator, no phone) shows the
    password instead: the writer asks for it (password change) or, for headless
    clients, a recent password re-authentication is required.
    """

    from .services import second_factor_verify

    policy = POLICIES[action]
    if policy.frozen_blocks:
        ensure_not_frozen(user)
    if not policy.second_factor:
        return
    if reauthenticated:
        if has_second_factor(user):
            assert request is not None
            _spend_reauthentication(request, user, now=spend_now)
        elif not _password_reauthenticated(request):
            raise reauthentication_required()
        return
    if not has_second_factor(user):
        return
    second_factor_verify(user=user, action=action, code=code, assertion=assertion, request=request)


def can_reauthenticate_with_sms(user: User) -> bool:
    return bool(getattr(user, "phone", None)) and not has_strong_factor(user)


def completed(
    *,
    user: User,
    action: str,
    event: str,
    request: HttpRequest | None = None,
    notify: str | None = None,
    context: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    notify_to: str | None = None,
) -> dict[str, Any]:
    """Audit, cool-down and notification of a done change. Call inside the writer's
    transaction: the mail goes out after commit, the hold and the audit row roll back
    with the change. Returns the notification context (``hold_until`` when held)."""
    policy = POLICIES[action]
    pending_spend = getattr(request, _PENDING_SPEND_ATTR, None) if request is not None else None
    if request is not None and pending_spend is not None:
        request.session[_SPENT_KEY] = pending_spend
        delattr(request, _PENDING_SPEND_ATTR)
    audit_log(user=user, event=event, request=request, data=data or {})
    ctx = dict(context or {})
    if policy.cool_down:
        hours = hold_hours()
        if hours > 0:
            until = withdrawal_hold_set(user=user, hours=hours, reason=action, request=request)
            ctx["hold_until"] = timezone.localtime(until, timezone.get_fixed_timezone(9 * 60)).strftime(
                "%Y-%m-%d %H:%M JST"
            )
            ctx["hold_hours"] = hours
        ctx["freeze_url"] = _freeze_url(user)
    if notify:
        send_email(user=user, to=notify_to, kind=notify, context=ctx)
    return ctx


def _freeze_url(user: User) -> str:
    from recovery.services import freeze_link

    return str(freeze_link(user))
