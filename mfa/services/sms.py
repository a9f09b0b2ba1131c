"""SMS one-time codes: send (cooldown, budgets, destination rules), verify (single use, tries
counted across processes), the step-up SMS and the SMS step of sign-in."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.errors import AccountErrorCode
from accounts.models import User
from accounts.phone import destination_error_message, number_prefix, sms_destination_problem
from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode, ErrorCode
from core.notify import send_sms
from mfa import conf
from mfa.errors import MfaErrorCode
from mfa.internal import codecheck, guard, totp
from mfa.models import SmsCode
from mfa.selectors import STEP_UP_ACTIONS
from mfa.services._common import _enrolment_required, _has_strong_factor


def _hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"sms:{code}".encode(), hashlib.sha256).hexdigest()


def _sms_body(purpose: str, code: str, minutes: int = 10) -> str:
    """One SMS per purpose, named so a code nobody asked for stands out (a password reset code
    the customer did not request); the validity is the configured TTL, never a fixed number.
    Kept within one SMS segment (70 characters in Japanese)."""
    kind = purpose.split(":")[0]
    if kind == "verify_phone":
        text = _("madoguchi phone confirmation code: %(code)s (valid for %(minutes)s min). Never tell it to anyone.")
    elif kind == "login":
        text = _("madoguchi sign-in code: %(code)s (valid for %(minutes)s min). Never tell it to anyone.")
    elif kind == "step_up":
        text = _("madoguchi confirmation code: %(code)s (valid for %(minutes)s min). Never tell it to anyone.")
    elif kind in ("password_reset", "reset"):
        text = _("madoguchi password reset code: %(code)s (valid for %(minutes)s min). Never tell it to anyone.")
    elif kind == "authenticator_lost":
        text = _("madoguchi code to turn off 2FA: %(code)s (valid for %(minutes)s min). Never tell it to anyone.")
    elif kind == "phone_change":
        text = _("madoguchi code for your new phone: %(code)s (valid for %(minutes)s min). Never tell it to anyone.")
    else:
        text = _("madoguchi code: %(code)s (valid for %(minutes)s min). Never tell it to anyone.")
    return text % {"code": code, "minutes": minutes}


# Which budget each purpose draws on (core.sms). "anonymous": anyone who knows the email
# address can trigger it (password reset), so it must never share the sign-in budget.
SMS_BUDGET_CLASSES = {
    "login": "signin",
    "password_reset": "anonymous",
    "reset": "anonymous",
    "authenticator_lost": "recovery",
    "verify_phone": "verify",
    "phone_change": "account",
}


def sms_budget_class(purpose: str) -> str:
    return SMS_BUDGET_CLASSES.get(purpose) or SMS_BUDGET_CLASSES.get(purpose.split(":")[0]) or "account"


def _sms_budgets(*, user: User, purpose: str, number: str, unproved: bool) -> list[Any]:
    from core.sms import Budget

    budget_class = sms_budget_class(purpose)
    hourly = int(conf.get("SMS_HOURLY_CAP"))
    caps = {"signin": hourly, "account": hourly, "verify": hourly, **dict(conf.get("SMS_CAPS"))}
    budgets = [Budget(f"user:{budget_class}", f"{user.pk}", int(caps.get(budget_class, hourly)), 3600)]
    if unproved:
        # A number nobody has proved yet: where SMS pumping happens.
        budgets += [
            Budget("destination", number, int(conf.get("SMS_DEST_HOURLY")), 3600),
            Budget("destination_daily", number, int(conf.get("SMS_DEST_DAILY")), 86400),
            Budget("prefix", number_prefix(number), int(conf.get("SMS_PREFIX_HOURLY")), 3600),
        ]
    return budgets


def sms_code_still_valid(*, user: User, purpose: str) -> SmsCode | None:
    """The newest code for (user, purpose) when it can still be used."""
    current = (
        SmsCode.objects.filter(user=user, purpose=purpose, superseded=False, used_at__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )
    if current is None or current.expires_at <= timezone.now():
        return None
    if max(int(cache.get(f"mfa:sms:tries:{current.pk}") or 0), current.attempts) >= int(conf.get("SMS_MAX_TRIES")):
        return None
    return current


def sms_not_sent_message(*, valid_since: dt.datetime | None, retry_at: dt.datetime | None) -> str:
    """What the page says when no new code went out: the truth, in JST clock times."""
    from core.sms import clock

    parts = []
    if valid_since is not None:
        parts.append(_("The code we sent at %(time)s is still valid.") % {"time": clock(valid_since)})
    if retry_at is not None:
        parts.append(_("A new code can be sent from %(time)s.") % {"time": clock(retry_at, round_up=True)})
    return " ".join(parts)


def _sms_not_sent(code: ErrorCode, *, user: User, purpose: str, retry_at: dt.datetime) -> ApplicationError:
    valid = sms_code_still_valid(user=user, purpose=purpose)
    message = sms_not_sent_message(valid_since=valid.created_at if valid else None, retry_at=retry_at)
    error = ApplicationError(code, message, status=429)
    error.retry_at = retry_at  # type: ignore[attr-defined]
    error.valid_since = valid.created_at if valid else None  # type: ignore[attr-defined]
    return error


def sms_destination_check(number: str, *, field: str = "phone") -> None:
    """Refuse numbers we never text (outside the allowed regions, premium, freephone ...)."""
    from core.sms import record_refused

    problem = sms_destination_problem(number)
    if problem:
        record_refused("destination_policy")
        message = destination_error_message(problem)
        raise ApplicationError(problem, message, status=400, fields={field: [message]})


def sms_codes_cancel(*, user: User) -> int:
    """Every SMS code of ``user`` that is not used yet stops working, whatever it was for
    (sign-in, password reset, step-up, phone verification). Called when the phone number
    changes: codes texted to the old number, which may be in a thief's hands, must not open
    the account afterwards. Returns how many were cancelled. A new code can be requested
    at once (a cancelled code starts no cooldown)."""
    return int(SmsCode.objects.filter(user=user, superseded=False, used_at__isnull=True).update(superseded=True))


def sms_code_send(
    *, user: User, purpose: str, request: HttpRequest | None = None, to: str | None = None, deliver: bool = True
) -> None:
    """Send a new 6-digit code; every earlier code for (user, purpose) stops working.

    ``to`` overrides the registered phone (confirming a new number). Refusals say when the
    next code can be sent and whether the last one is still valid (``sms_cooldown`` between
    sends per (user, purpose); ``rate_limited`` when a budget is used up: per customer and
    purpose class, plus per destination and per number block for unproved numbers).

    ``deliver=False`` does all of it (cooldown, budgets, a code that supersedes the last)
    except the SMS itself: a number that belongs to another account behaves exactly like a
    free one at sign-up, but the code only ever exists as a hash nobody knows.
    """
    from core.sms import SmsNotSent, budgets_take, record_refused, record_sent

    number = to or getattr(user, "phone", None)
    if not number:
        raise ApplicationError(
            CommonErrorCode.NO_PHONE, _("No phone number is registered on this account."), status=400
        )
    sms_destination_check(number)
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = int(conf.get("SMS_CODE_TTL"))
    cooldown = int(conf.get("SMS_RESEND_COOLDOWN"))
    with transaction.atomic():
        # The customer's row lock serialises concurrent sends across processes; the
        # cooldown is measured against the newest code's timestamp in the database.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        last = SmsCode.objects.filter(user=user, purpose=purpose).order_by("-created_at").first()
        # (A code that has been used is no reason to wait: the next sign-in needs its own.)
        if (
            last is not None
            and last.used_at is None
            and not last.superseded  # cancelled (sms_codes_cancel): the number changed
            and (timezone.now() - last.created_at).total_seconds() < cooldown
        ):
            record_refused("cooldown")
            raise _sms_not_sent(
                MfaErrorCode.SMS_COOLDOWN,
                user=user,
                purpose=purpose,
                retry_at=last.created_at + dt.timedelta(seconds=cooldown),
            )
        unproved = number != getattr(user, "phone", None)
        try:
            budgets_take(_sms_budgets(user=user, purpose=purpose, number=number, unproved=unproved))
        except SmsNotSent as exc:
            raise _sms_not_sent(
                CommonErrorCode.RATE_LIMITED, user=user, purpose=purpose, retry_at=exc.retry_at
            ) from exc
        SmsCode.objects.filter(user=user, purpose=purpose, superseded=False).update(superseded=True)
        SmsCode.objects.create(
            user=user,
            purpose=purpose,
            code_hash=_hash(code),
            expires_at=timezone.now() + dt.timedelta(seconds=ttl),
        )
        if not deliver:
            return
        with translation.override(getattr(user, "language", None) or settings.LANGUAGE_CODE):
            body = _sms_body(purpose, code, max(1, ttl // 60))
        send_sms(user=user, to=number, kind=f"code-{purpose.split(':')[0]}", body=body)
        record_sent(sms_budget_class(purpose))
        audit_log(
            user=user, event="sms_code.sent", request=request, data={"purpose": purpose}, visible_to_customer=False
        )


def sms_code_verify(
    *,
    user: User,
    purpose: str,
    code: str,
    second_factor: bool = False,
    confirms: bool = False,
    request: HttpRequest | None = None,
) -> None:
    """Accept the newest unexpired, unused code for (user, purpose) once.

    A wrong, used or expired code raises ``two_factor_invalid`` (the message says which),
    except with ``confirms``: the code proves a new number (phone change, sign-up phone
    verification), and raises ``code_invalid`` / ``code_expired``.  Wrong tries are also
    counted in the shared cache (atomic INCR), so a caller's rolled-back
    transaction cannot give an attacker extra tries; single use is enforced the
    same way. ``second_factor``: the code stands in for an authenticator (sign-in,
    step-up), so a wrong one also counts toward the consecutive-failure lock that wrong
    authenticator codes count toward (``two_factor_locked`` at the threshold), and a right
    one resets that count.
    """
    normalized = totp.normalize_code(code)
    max_tries = int(conf.get("SMS_MAX_TRIES"))
    ttl = int(conf.get("SMS_CODE_TTL")) + 60
    outcome = "ok"
    with transaction.atomic():
        current = (
            SmsCode.objects.select_for_update()
            .filter(user=user, purpose=purpose, superseded=False, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if current is None:
            outcome = "none"
        else:
            tries_key = f"mfa:sms:tries:{current.pk}"
            if max(int(cache.get(tries_key) or 0), current.attempts) >= max_tries:
                outcome = "exhausted"
            elif current.expires_at <= timezone.now():
                outcome = "expired"
            elif not normalized or not hmac.compare_digest(current.code_hash, _hash(normalized)):
                if not cache.add(tries_key, 1, timeout=ttl):
                    cache.incr(tries_key)
                current.attempts += 1
                current.save(update_fields=["attempts"])
                outcome = "wrong"
            elif not cache.add(f"mfa:sms:used:{current.pk}", 1, timeout=ttl):
                outcome = "used"
            else:
                current.used_at = timezone.now()
                current.save(update_fields=["used_at"])
    if outcome == "ok":
        if second_factor:
            guard.failures_reset(user.pk)
        return
    if outcome == "wrong" and second_factor:
        codecheck.record_failure(user, request=request, purpose=purpose, reason="sms")  # raises at the lock
    if outcome == "expired":
        message = _("The code has expired. Request a new code.")
        code_expired = AccountErrorCode.CODE_EXPIRED if confirms else CommonErrorCode.TWO_FACTOR_INVALID
        raise ApplicationError(code_expired, message, status=400, fields={"code": [message]})
    messages = {
        "none": _("The code is not correct. Request a new code."),
        "exhausted": _("Too many wrong codes. Request a new code."),
        "wrong": _("The code is not correct."),
        "used": _("This code has already been used. Request a new code."),
    }
    code_invalid = AccountErrorCode.CODE_INVALID if confirms else CommonErrorCode.TWO_FACTOR_INVALID
    raise ApplicationError(code_invalid, messages[outcome], status=400, fields={"code": [messages[outcome]]})


def step_up_sms_send(*, user: User, action: str, request: HttpRequest | None = None) -> None:
    """Text a step-up code for ``action`` — only to customers who have no authenticator
    (everyone else steps up with it, so an SMS would be useless and costly)."""
    if action not in STEP_UP_ACTIONS:
        message = _("Unknown action.")
        raise ApplicationError(CommonErrorCode.VALIDATION_FAILED, message, fields={"action": [message]})
    if conf.is_money_out(action) and conf.get("ENROLMENT_REQUIRED"):
        raise _enrolment_required()
    has_totp, has_passkey = _has_strong_factor(user)
    if has_totp or has_passkey:
        raise ApplicationError(
            MfaErrorCode.SMS_NOT_NEEDED, _("Use your authenticator app or passkey to confirm this action."), status=400
        )
    sms_code_send(user=user, purpose=f"step_up:{action}", request=request)


def sms_login_verify(*, user: User, code: str, request: HttpRequest | None = None) -> None:
    """The SMS second step of sign-in (HTML stage view and headless endpoint)."""
    codecheck.ensure_not_locked(user)
    ip = ratelimit.client_ip(request)
    if ip:
        limit, period = conf.get("RATE_IP")
        ratelimit.check(f"mfa:sms-login:ip:{ip}", limit=int(limit), period=int(period))
    try:
        sms_code_verify(user=user, purpose="login", code=code, second_factor=True, request=request)
    except ApplicationError:
        audit_log(user=user, event="login.failed", request=request, data={"method": "sms"})
        raise
    audit_log(user=user, event="login.sms_verified", request=request, visible_to_customer=False)
