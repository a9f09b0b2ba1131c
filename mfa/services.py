"""Second-factor writes: step-up checks, TOTP, recovery codes, SMS codes, security settings.

Every sensitive service in madoguchi calls :func:`second_factor_verify` itself,
inside the service, so no interface can skip it.  Each call is one fresh check
for one action: nothing is remembered between actions, and a recent password
re-authentication never satisfies it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError
from core.notify import send_email, send_sms

from . import conf, perimeter
from .internal import codecheck, guard, totp
from .models import SecondFactorLock, SmsCode

# --- errors ---------------------------------------------------------------------------


def _required(message: str | None = None) -> ApplicationError:
    return ApplicationError(
        "two_factor_required",
        message or _("Enter the code from your authenticator app to continue."),
        status=401,
    )


def _enrolment_required() -> ApplicationError:
    return ApplicationError(
        "two_factor_enrolment_required",
        _("Set up an authenticator app (two-factor authentication) on the security page before withdrawing."),
        status=403,
    )


# --- per-action step-up ---------------------------------------------------------------


def _has_strong_factor(user: Any, authenticators: list[Authenticator] | None = None) -> tuple[bool, bool]:
    if authenticators is None:
        authenticators = list(Authenticator.objects.filter(user_id=user.pk))
    types = {a.type for a in authenticators}
    return Authenticator.Type.TOTP in types, Authenticator.Type.WEBAUTHN in types


def second_factor_verify(
    *,
    user: Any,
    action: str,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> None:
    """One fresh second-factor check for one sensitive ``action``.

    - TOTP code (±1 step, single use across processes, drift diagnosed and refused),
    - recovery code (except for withdrawal actions unless the operator allows it),
    - passkey assertion (required instead of codes when ``REQUIRE_PASSKEY`` is on),
    - SMS code (purpose ``step_up:<action>``) for customers without an
      authenticator, except withdrawals while the enrolment policy is on.

    Raises ``two_factor_required`` (401), ``two_factor_invalid`` (400),
    ``two_factor_locked`` (403), ``two_factor_enrolment_required`` (403),
    ``passkey_required`` (403) or ``rate_limited`` (429).
    """
    codecheck.ensure_not_locked(user)
    authenticators = list(Authenticator.objects.filter(user_id=user.pk))  # one query for every path
    has_totp, has_passkey = _has_strong_factor(user, authenticators)
    money_out = conf.is_money_out(action)

    if conf.get("REQUIRE_PASSKEY"):
        if not has_passkey:
            raise ApplicationError(
                "passkey_required",
                _("This action requires a passkey. Register a passkey on the security page first."),
                status=403,
            )
        if not assertion:
            raise _required(_("Confirm with your passkey to continue."))

    if not has_totp and not has_passkey:
        if money_out and conf.get("ENROLMENT_REQUIRED"):
            raise _enrolment_required()
        if not code:
            raise _required(_("Enter the code we sent to your phone by SMS to continue."))
        try:
            sms_code_verify(user=user, purpose=f"step_up:{action}", code=code, second_factor=True, request=request)
        except ApplicationError as exc:
            _audit_step_up(user, action, request, ok=False, method="sms")
            if exc.code == "two_factor_locked":
                raise
            raise ApplicationError(
                "two_factor_invalid", exc.message, status=400, fields={"code": [exc.message]}
            ) from exc
        _audit_step_up(user, action, request, ok=True, method="sms")
        return

    if assertion:
        _verify_assertion(user=user, assertion=assertion, request=request, action=action)
        return
    if not code:
        raise _required()
    allow_recovery = not money_out or bool(conf.get("RECOVERY_CODES_FOR_WITHDRAWALS"))
    # A refusal is audited once, inside check_code ("mfa.failed" with purpose step_up:<action>).
    authenticator = codecheck.check_code(
        user=user,
        code=code,
        request=request,
        purpose=f"step_up:{action}",
        allow_recovery=allow_recovery,
        authenticators=authenticators,
        lock_checked=True,
    )
    _audit_step_up(user, action, request, ok=True, method=str(authenticator.type))


def _audit_step_up(user: Any, action: str, request: HttpRequest | None, *, ok: bool, method: str) -> None:
    audit_log(
        user=user,
        event="mfa.step_up_passed" if ok else "mfa.step_up_failed",
        request=request,
        data={"action": action, "method": method},
        visible_to_customer=not ok,
    )


def _verify_assertion(*, user: Any, assertion: dict[str, Any], request: HttpRequest | None, action: str) -> None:
    """A WebAuthn assertion against the challenge stored in this session."""
    from allauth.core import context
    from allauth.mfa.webauthn.internal import auth as webauthn_auth

    codecheck.throttle(user, request)
    if request is None:
        raise codecheck.invalid(_("The passkey confirmation could not be checked. Try again."))
    try:
        with context.request_context(request):
            authenticator = webauthn_auth.complete_authentication(user, assertion)
            webauthn_auth.clear_state()
    except Exception as exc:  # fido2 raises many types; all mean "not verified"
        with context.request_context(request):
            webauthn_auth.clear_state()  # a challenge is good for one attempt, right or wrong
        codecheck.record_failure(user, request=request, purpose=f"step_up:{action}", reason="passkey")
        _audit_step_up(user, action, request, ok=False, method="webauthn")
        raise codecheck.invalid(_("The passkey confirmation failed. Try again.")) from exc

    guard.failures_reset(user.pk)
    authenticator.record_usage()
    _audit_step_up(user, action, request, ok=True, method="webauthn")


def passkey_challenge_begin(*, user: Any, request: HttpRequest) -> dict[str, Any]:
    """Start a passkey step-up: returns the WebAuthn request options for the client."""
    from allauth.core import context
    from allauth.mfa.webauthn.internal import auth as webauthn_auth

    with context.request_context(request):
        return webauthn_auth.begin_authentication(user)


# --- TOTP -----------------------------------------------------------------------------


def totp_secret_new() -> str:
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    return generate_totp_secret()


def totp_enable(
    *,
    user: Any,
    secret: str,
    code: str,
    step_up_code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> list[str]:
    """Activate TOTP with a freshly generated ``secret`` confirmed by ``code``.

    A customer who already has a passkey must pass a second-factor check first;
    one without any authenticator confirms with an SMS code when a phone is
    registered.  Returns the new recovery codes (shown once).
    """
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    has_totp, _has_passkey = _has_strong_factor(user)
    if has_totp:
        raise ApplicationError("totp_exists", _("An authenticator app is already set up."), status=409)
    try:
        perimeter.authorise(
            user=user,
            action="totp_enable",
            code=step_up_code,
            assertion=assertion,
            request=request,
            reauthenticated=reauthenticated,
        )
    except ApplicationError as exc:
        if exc.code == "account_frozen" or reauthenticated:
            raise
        raise ApplicationError(
            exc.code, exc.message, status=exc.status, fields={"step_up_code": [exc.message]}
        ) from exc
    normalized = totp.normalize_code(code)
    codecheck.throttle(user, request)
    try:
        step = codecheck.check_totp_secret(secret=secret, code=normalized)
    except codecheck.Refused as exc:
        raise codecheck.invalid(exc.message) from exc
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=user.pk)
        if Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists():
            raise ApplicationError("totp_exists", _("An authenticator app is already set up."), status=409)
        Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES).delete()
        authenticator = TOTP.activate(user, secret).instance
        guard.step_start(authenticator_id=authenticator.pk, step=step)
        codes = RecoveryCodes.activate(user).generate_codes()
        SecondFactorLock.objects.filter(user_id=user.pk).delete()
        perimeter.completed(
            user=user, action="totp_enable", event="mfa.totp_added", request=request, notify="mfa_totp_added"
        )
    return codes


def totp_disable(
    *,
    user: Any,
    code: str | None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> None:
    """Disable TOTP with a current code: the secret and recovery codes are destroyed."""
    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    if not Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists():
        raise ApplicationError("totp_missing", _("No authenticator app is set up."), status=409)
    perimeter.authorise(
        user=user,
        action="totp_disable",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    with transaction.atomic():
        Authenticator.objects.filter(
            user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
        ).delete()
        perimeter.completed(
            user=user, action="totp_disable", event="mfa.totp_removed", request=request, notify="mfa_totp_removed"
        )


def recovery_codes_regenerate(
    *,
    user: Any,
    code: str | None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> list[str]:
    """New recovery codes (the old ones stop working); returns them to show once."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    has_totp, has_passkey = _has_strong_factor(user)
    if not (has_totp or has_passkey):
        raise ApplicationError(
            "two_factor_missing", _("Set up an authenticator app before creating recovery codes."), status=409
        )
    perimeter.authorise(
        user=user,
        action="recovery_codes_regenerate",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=user.pk)
        Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES).delete()
        codes = RecoveryCodes.activate(user).generate_codes()
        perimeter.completed(
            user=user,
            action="recovery_codes_regenerate",
            event="mfa.recovery_codes_generated",
            request=request,
            notify="mfa_recovery_codes_regenerated",
        )
    return codes


def two_factor_remove_all(*, user: Any, reason: str, actor: Any = None, request: HttpRequest | None = None) -> None:
    """Remove every authenticator (recovery flows); also lifts a lock."""

    with transaction.atomic():
        Authenticator.objects.filter(user_id=user.pk).delete()
        SecondFactorLock.objects.filter(user_id=user.pk).delete()
        audit_log(user=user, actor=actor, event="mfa.removed_all", request=request, data={"reason": reason})
        send_email(user=user, kind="two_factor_removed", context={"reason": reason})
    # Immediately (not on commit): if the caller rolls back, the lock row comes back
    # with it and still locks; the counter only matters while no row exists.
    guard.failures_reset(user.pk)


def second_factor_unlock(*, user: Any, actor: Any = None, request: HttpRequest | None = None) -> bool:
    """Lift a lock without removing authenticators (recovery / staff). True if it was locked.

    With an ``actor`` (staff), only the security team or identity reviewers may do it;
    without one it is the recovery flow acting for the customer.
    """
    from accounts.roles import IDENTITY_REVIEWER, SECURITY_AGENT, has_role

    if actor is not None and not (has_role(actor, SECURITY_AGENT) or has_role(actor, IDENTITY_REVIEWER)):
        raise ApplicationError("permission_denied", _("You do not have permission to do this."), status=403)

    deleted, _rows = SecondFactorLock.objects.filter(user_id=user.pk).delete()
    guard.failures_reset(user.pk)
    if deleted:
        audit_log(user=user, actor=actor, event="mfa.unlocked", request=request)
        send_email(user=user, kind="mfa_unlocked", context={})
    return bool(deleted)


# --- SMS one-time codes -----------------------------------------------------------------


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


def _sms_budgets(*, user: Any, purpose: str, number: str, unproved: bool) -> list[Any]:
    from accounts.phone import number_prefix
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


def sms_code_still_valid(*, user: Any, purpose: str) -> SmsCode | None:
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


def _sms_not_sent(code: str, *, user: Any, purpose: str, retry_at: dt.datetime) -> ApplicationError:
    valid = sms_code_still_valid(user=user, purpose=purpose)
    message = sms_not_sent_message(valid_since=valid.created_at if valid else None, retry_at=retry_at)
    error = ApplicationError(code, message, status=429)
    error.retry_at = retry_at  # type: ignore[attr-defined]
    error.valid_since = valid.created_at if valid else None  # type: ignore[attr-defined]
    return error


def sms_destination_check(number: str, *, field: str = "phone") -> None:
    """Refuse numbers we never text (outside the allowed regions, premium, freephone ...)."""
    from accounts.phone import destination_error_message, sms_destination_problem
    from core.sms import record_refused

    problem = sms_destination_problem(number)
    if problem:
        record_refused("destination_policy")
        message = destination_error_message(problem)
        raise ApplicationError(problem, message, status=400, fields={field: [message]})


def sms_codes_cancel(*, user: Any) -> int:
    """Every SMS code of ``user`` that is not used yet stops working, whatever it was for
    (sign-in, password reset, step-up, phone verification). Called when the phone number
    changes: codes texted to the old number, which may be in a thief's hands, must not open
    the account afterwards. Returns how many were cancelled. A new code can be requested
    at once (a cancelled code starts no cooldown)."""
    return int(SmsCode.objects.filter(user=user, superseded=False, used_at__isnull=True).update(superseded=True))


def sms_code_send(
    *, user: Any, purpose: str, request: HttpRequest | None = None, to: str | None = None, deliver: bool = True
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
        raise ApplicationError("no_phone", _("No phone number is registered on this account."), status=400)
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
                "sms_cooldown", user=user, purpose=purpose, retry_at=last.created_at + dt.timedelta(seconds=cooldown)
            )
        unproved = number != getattr(user, "phone", None)
        try:
            budgets_take(_sms_budgets(user=user, purpose=purpose, number=number, unproved=unproved))
        except SmsNotSent as exc:
            raise _sms_not_sent("rate_limited", user=user, purpose=purpose, retry_at=exc.retry_at) from exc
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
    *, user: Any, purpose: str, code: str, second_factor: bool = False, request: HttpRequest | None = None
) -> None:
    """Accept the newest unexpired, unused code for (user, purpose) once.

    Raises ``sms_code_invalid`` / ``sms_code_expired``.  Wrong tries are also
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
        raise ApplicationError("sms_code_expired", _("The code has expired. Request a new code."), status=400)
    messages = {
        "none": _("The code is not correct. Request a new code."),
        "exhausted": _("Too many wrong codes. Request a new code."),
        "wrong": _("The code is not correct."),
        "used": _("This code has already been used. Request a new code."),
    }
    raise ApplicationError("sms_code_invalid", messages[outcome], status=400, fields={"code": [messages[outcome]]})


def step_up_sms_send(*, user: Any, action: str, request: HttpRequest | None = None) -> None:
    """Text a step-up code for ``action`` — only to customers who have no authenticator
    (everyone else steps up with it, so an SMS would be useless and costly)."""
    from .selectors import STEP_UP_ACTIONS

    if action not in STEP_UP_ACTIONS:
        message = _("Unknown action.")
        raise ApplicationError("validation_failed", message, fields={"action": [message]})
    if conf.is_money_out(action) and conf.get("ENROLMENT_REQUIRED"):
        raise _enrolment_required()
    has_totp, has_passkey = _has_strong_factor(user)
    if has_totp or has_passkey:
        raise ApplicationError(
            "sms_not_needed", _("Use your authenticator app or passkey to confirm this action."), status=400
        )
    sms_code_send(user=user, purpose=f"step_up:{action}", request=request)


def sms_login_verify(*, user: Any, code: str, request: HttpRequest | None = None) -> None:
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


# --- security settings ---------------------------------------------------------------------


def anti_phishing_code_set(
    *,
    user: Any,
    value: str,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> None:
    """Set (or clear with "") the phrase shown in every email we send."""
    import unicodedata

    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    cleaned = unicodedata.normalize("NFKC", value or "").strip()
    if len(cleaned) > 20 or any(ch in cleaned for ch in "<>\"'&\r\n") or (cleaned and len(cleaned) < 4):
        message = _("Use 4 to 20 letters, digits or Japanese characters.")
        raise ApplicationError("validation_failed", message, fields={"value": [message]})
    perimeter.authorise(
        user=user,
        action="anti_phishing_code_set",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    with transaction.atomic():
        user.anti_phishing_code = cleaned
        user.save(update_fields=["anti_phishing_code"])
        perimeter.completed(
            user=user,
            action="anti_phishing_code_set",
            event="account.anti_phishing_code_set",
            request=request,
            notify="anti_phishing_code_set",
            context={"set": bool(cleaned)},
            data={"set": bool(cleaned)},
        )


# --- email and phone changes (step-up, then proof of the new address/number) --------------

_PENDING_TTL = 30 * 60


def _pending_key(user: Any, kind: str) -> str:
    return f"mfa:pending:{kind}:{user.pk}"


def _mask_email(address: str) -> str:
    local, _sep, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def email_change_request(
    *,
    user: Any,
    new_email: str,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> None:
    """Step-up, then email a confirmation code to the new address.

    An address that belongs to another account is not revealed: the answer is the
    same, and that address's owner is told instead (no code is sent).
    """
    from django.contrib.auth import get_user_model

    from accounts.normalize import normalize_email
    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    address = normalize_email(new_email)
    perimeter.authorise(
        user=user,
        action="email_change",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    ratelimit.check(f"mfa:email-change:{user.pk}", limit=5, period=3600)
    owner = get_user_model().objects.filter(email__iexact=address).exclude(pk=user.pk).first()
    confirmation = f"{secrets.randbelow(10**6):06d}"
    cache.set(
        _pending_key(user, "email"),
        {"email": address, "hash": _hash(confirmation), "tries": 0, "taken": owner is not None},
        timeout=_PENDING_TTL,
    )
    audit_log(user=user, event="account.email_change_requested", request=request)
    if owner is not None:
        send_email(user=owner, kind="email_change_attempt", context={})
    elif address.lower() != user.email.lower():
        send_email(user=user, to=address, kind="email_change_code", context={"code": confirmation})


def email_change_confirm(*, user: Any, confirmation: str, request: HttpRequest | None = None) -> str:
    """Apply the pending change when the code from the new address matches."""
    from allauth.account.models import EmailAddress

    pending = cache.get(_pending_key(user, "email"))
    wrong = ApplicationError(
        "confirmation_invalid", _("The code is not correct."), fields={"confirmation": [_("The code is not correct.")]}
    )
    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    if not pending:
        raise ApplicationError("confirmation_expired", _("The request has expired. Start again."), status=400)
    cleaned = totp.normalize_code(confirmation)
    if pending["tries"] >= 5 or pending["taken"] or not hmac.compare_digest(pending["hash"], _hash(cleaned)):
        pending["tries"] += 1
        cache.set(_pending_key(user, "email"), pending, timeout=_PENDING_TTL)
        raise wrong
    old_email = user.email
    new_email = pending["email"]
    with transaction.atomic():
        user.email = new_email
        user.save(update_fields=["email"])
        EmailAddress.objects.filter(user=user).delete()
        EmailAddress.objects.create(user=user, email=new_email, verified=True, primary=True)
        perimeter.completed(
            user=user,
            action="email_change",
            event="account.email_changed",
            request=request,
            notify="email_changed",
            notify_to=old_email,
            context={"new_email_masked": _mask_email(new_email)},
        )
    cache.delete(_pending_key(user, "email"))
    return str(new_email)


def phone_change_request(
    *,
    user: Any,
    new_phone: str,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> None:
    """Step-up, then text a confirmation code to the new number."""
    from django.core.exceptions import ValidationError

    from accounts.phone import normalize_mobile_phone
    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    try:
        number = normalize_mobile_phone(new_phone)  # a number we may text (JP mobiles by default)
    except ValidationError as exc:
        message = " ".join(str(m) for m in exc.messages)
        raise ApplicationError("validation_failed", message, fields={"new_phone": [message]}) from exc
    perimeter.authorise(
        user=user,
        action="phone_change",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    cache.set(_pending_key(user, "phone"), {"phone": number}, timeout=_PENDING_TTL)
    sms_code_send(user=user, purpose="phone_change", request=request, to=number)
    audit_log(user=user, event="account.phone_change_requested", request=request)


def phone_change_confirm(*, user: Any, confirmation: str, request: HttpRequest | None = None) -> str:
    from django.contrib.auth import get_user_model

    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    pending = cache.get(_pending_key(user, "phone"))
    if not pending:
        raise ApplicationError("confirmation_expired", _("The request has expired. Start again."), status=400)
    try:
        sms_code_verify(user=user, purpose="phone_change", code=confirmation)
    except ApplicationError as exc:
        raise ApplicationError(exc.code, exc.message, fields={"confirmation": [exc.message]}) from exc
    number = pending["phone"]
    if get_user_model().objects.filter(phone=number).exclude(pk=user.pk).exists():
        message = _("This phone number cannot be used. Contact us if you think this is a mistake.")
        raise ApplicationError("phone_unavailable", message, fields={"confirmation": [message]})
    with transaction.atomic():
        user.phone = number
        user.save(update_fields=["phone"])
        perimeter.completed(
            user=user,
            action="phone_change",
            event="account.phone_changed",
            request=request,
            notify="phone_changed",
            context={"phone_tail": number[-4:]},
        )
    cache.delete(_pending_key(user, "phone"))
    return str(number)


# --- encryption key rotation ---------------------------------------------------------------


def secrets_rotate(*, dry_run: bool = False, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt TOTP secrets and recovery-code seeds with the primary key.

    Each row is locked and rewritten in its own short transaction, so sign-ins
    keep working while the command runs.
    """
    from .adapter import secret_box

    box = secret_box()
    checked = rotated = 0
    ids = list(
        Authenticator.objects.filter(type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]).values_list(
            "pk", flat=True
        )
    )
    for start in range(0, len(ids), batch_size):
        for pk in ids[start : start + batch_size]:
            with transaction.atomic():
                row = Authenticator.objects.select_for_update().filter(pk=pk).first()
                if row is None:
                    continue
                checked += 1
                changed = False
                data = dict(row.data)
                for field in ("secret", "seed"):
                    value = data.get(field)
                    if isinstance(value, str) and box.needs_rotation(value):
                        data[field] = box.rotate(value)
                        changed = True
                migrated = data.get("migrated_codes")
                if isinstance(migrated, list) and any(box.needs_rotation(c) for c in migrated):
                    data["migrated_codes"] = [box.rotate(c) for c in migrated]
                    changed = True
                if changed:
                    rotated += 1
                    if not dry_run:
                        row.data = data
                        row.save(update_fields=["data"])
    return {"checked": checked, "rotated": rotated}


# --- passkeys: the second factor first, then the credential ------------------------------

PASSKEY_GRANT_KEY = "madoguchi_mfa.passkey_add_grant"
PASSKEY_GRANT_TTL = 300


def passkey_add_authorise(
    *,
    user: Any,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest,
    reauthenticated: bool = False,
) -> None:
    """Step one of adding a passkey: the freeze check and the second factor, *before* the
    browser creates a credential. Grants one passkey registration in this session."""
    from allauth.mfa.internal.flows.add import validate_can_add_authenticator
    from django.core.exceptions import ValidationError

    perimeter.authorise(
        user=user,
        action="passkey_add",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
        spend_now=True,
    )
    try:
        validate_can_add_authenticator(user)
    except ValidationError as exc:
        raise ApplicationError("two_factor_unavailable", " ".join(exc.messages), status=409) from exc
    request.session[PASSKEY_GRANT_KEY] = time.time()


def _passkey_grant_valid(request: HttpRequest) -> bool:
    granted = request.session.get(PASSKEY_GRANT_KEY)
    return isinstance(granted, int | float) and time.time() - granted <= PASSKEY_GRANT_TTL


def passkey_add_begin(*, user: Any, request: HttpRequest) -> dict[str, Any]:
    """WebAuthn creation options; only after ``passkey_add_authorise`` in this session."""
    from allauth.core import context
    from allauth.mfa.webauthn.internal import auth as webauthn_auth

    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    if not _passkey_grant_valid(request):
        raise perimeter.reauthentication_required()
    with context.request_context(request):
        return dict(webauthn_auth.begin_registration(user, False))


def passkey_add_complete(*, user: Any, name: str, credential: dict[str, Any], request: HttpRequest) -> list[str]:
    """Store a credential verified by allauth's registration form (``complete_registration``).

    Spends the grant. Returns new recovery codes when the customer had none (shown once).
    """
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.webauthn.internal import auth as webauthn_auth

    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    if not _passkey_grant_valid(request):
        raise perimeter.reauthentication_required()
    request.session.pop(PASSKEY_GRANT_KEY, None)
    codes: list[str] = []
    with transaction.atomic():
        get_user_model().objects.select_for_update().get(pk=user.pk)
        webauthn_auth.WebAuthn.add(user, name[:100], credential)
        if not Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES).exists():
            codes = RecoveryCodes.activate(user).generate_codes()
        perimeter.completed(
            user=user, action="passkey_add", event="mfa.passkey_added", request=request, notify="mfa_passkey_added"
        )
    return codes


def _own_passkeys(user: Any, ids: list[int]) -> list[Authenticator]:
    found = list(Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.WEBAUTHN, pk__in=ids))
    if not ids or len(found) != len(set(ids)):
        raise ApplicationError("not_found", _("Passkey not found."), status=404)
    return found


def passkey_remove(
    *,
    user: Any,
    passkey_ids: list[int],
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> None:
    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    passkeys = _own_passkeys(user, passkey_ids)
    perimeter.authorise(
        user=user,
        action="passkey_remove",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    with transaction.atomic():
        Authenticator.objects.filter(pk__in=[p.pk for p in passkeys]).delete()
        if not Authenticator.objects.filter(
            user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exists():
            # No authenticator left: recovery codes would be a second factor on their own.
            Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES).delete()
        perimeter.completed(
            user=user,
            action="passkey_remove",
            event="mfa.passkey_removed",
            request=request,
            notify="mfa_authenticator_removed",
            data={"count": len(passkeys)},
        )


def passkey_rename(
    *,
    user: Any,
    passkey_id: int,
    name: str,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> Authenticator:
    from accounts.services import ensure_not_frozen

    ensure_not_frozen(user)
    cleaned = (name or "").strip()[:100]
    if not cleaned:
        message = _("Enter a name.")
        raise ApplicationError("validation_failed", message, fields={"name": [message]})
    (passkey,) = _own_passkeys(user, [passkey_id])
    perimeter.authorise(
        user=user,
        action="passkey_rename",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    with transaction.atomic():
        wrapper = passkey.wrap()
        wrapper.name = cleaned
        passkey.save()
        perimeter.completed(
            user=user,
            action="passkey_rename",
            event="mfa.passkey_renamed",
            request=request,
            notify="mfa_passkey_renamed",
        )
    return passkey
