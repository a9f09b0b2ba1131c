"""The one place a typed second-factor code is judged.

Used by the allauth sign-in / re-authentication forms (HTML and headless, see
``mfa.internal.allauth_hooks``), by ``second_factor_verify`` (per-action step-up)
and by TOTP activation.  Order of checks: lock -> throttles -> TOTP (window,
replay burn, drift diagnosis) -> recovery codes -> failure accounting.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode
from mfa.errors import MfaErrorCode

from .. import conf
from . import guard, hints, totp
from .crypto import SecretDecryptionError

logger = structlog.get_logger("madoguchi.mfa")


def invalid(message: str) -> ApplicationError:
    return ApplicationError(CommonErrorCode.TWO_FACTOR_INVALID, message, status=400, fields={"code": [message]})


def wrong_code_message() -> str:
    return _("The code is incorrect. Enter the 6-digit code currently shown in your authenticator app.")


def locked_error() -> ApplicationError:
    return ApplicationError(
        CommonErrorCode.TWO_FACTOR_LOCKED,
        _(
            "Two-factor authentication is locked after too many wrong codes. To protect your "
            "account, sign-in and sensitive actions are blocked until you recover access "
            "(“I can't use my authenticator”). We have sent you an email."
        ),
        status=403,
    )


def ensure_not_locked(user: Any) -> None:
    from ..models import SecondFactorLock

    if SecondFactorLock.objects.filter(user_id=user.pk).exists():
        raise locked_error()
    _refuse_at_lock_threshold(user, guard.failures_count(user.pk))


def _refuse_at_lock_threshold(user: Any, failures: int) -> None:
    # The counter reached the threshold but the lock row was rolled back by the
    # caller's transaction: assert it again (idempotent; emails only once).
    if failures >= int(conf.get("LOCK_AFTER_FAILURES")):
        _lock(user, request=None)
        raise locked_error()


def _buckets(user: Any, request: HttpRequest | None) -> list[tuple[str, int, int]]:
    limit, period = conf.get("RATE_ACCOUNT")
    buckets = [(f"mfa:code:user:{user.pk}", int(limit), int(period))]
    ip = ratelimit.client_ip(request)
    if ip:
        limit, period = conf.get("RATE_IP")
        buckets.append((f"mfa:code:ip:{ip}", int(limit), int(period)))
    return buckets


def _judge_throttles(buckets: list[tuple[str, int, int]], counts: list[int]) -> None:
    # Per account, then per address: counted in one round trip, judged in that order (a
    # refusal by the first gives the second back, as if it had not been counted).
    items = [(key, period) for key, _limit, period in buckets]
    for index, (count, (_key, limit, _period)) in enumerate(zip(counts, buckets, strict=True)):
        if count > limit:
            ratelimit.give_back_many(items[index + 1 :])
            raise ratelimit.limited()


def throttle(user: Any, request: HttpRequest | None) -> None:
    buckets = _buckets(user, request)
    _judge_throttles(buckets, ratelimit.hit_many([(key, period) for key, _limit, period in buckets]))


def _unlocked_then_throttle(user: Any, request: HttpRequest | None) -> int:
    """The failure counter's part of ``ensure_not_locked``, then ``throttle``, in one round
    trip: at the lock threshold nothing is counted (as when the two ran one after the
    other). Returns the consecutive failures counted before this attempt."""
    buckets = _buckets(user, request)
    failures, counts = guard.failures_count_and_hit(
        user.pk,
        below=int(conf.get("LOCK_AFTER_FAILURES")),
        items=[(key, period) for key, _limit, period in buckets],
    )
    if counts is None:  # at the threshold: see _refuse_at_lock_threshold
        _lock(user, request=None)
        raise locked_error()
    _judge_throttles(buckets, counts)
    return failures


def _lock(user: Any, *, request: HttpRequest | None) -> None:
    from ..models import SecondFactorLock

    failures = guard.failures_count(user.pk)
    with transaction.atomic():
        _row, created = SecondFactorLock.objects.get_or_create(user_id=user.pk, defaults={"failures": failures})
        if created:
            audit_log(user=user, event="mfa.locked", request=request, data={"failures": failures})
            from core.notify import send_email

            send_email(user=user, kind="mfa_locked", context={"failures": failures})


def record_failure(
    user: Any, *, request: HttpRequest | None, purpose: str, reason: str, extra: dict | None = None
) -> None:
    count = guard.failures_record(user.pk)
    audit_log(
        user=user,
        event="mfa.failed",
        request=request,
        data={"purpose": purpose, "reason": reason, "consecutive": count, **(extra or {})},
    )
    if count >= int(conf.get("LOCK_AFTER_FAILURES")):
        _lock(user, request=request)
        raise locked_error()


def judge_totp(*, secret: str, code: str, at: float | None = None) -> totp.Verdict:
    """The app's TOTP judgement (settings applied); RFC vectors are tested through this."""
    return totp.verify(
        secret=secret,
        code=code,
        at=time.time() if at is None else at,
        window=int(conf.get("TOTP_WINDOW")),
        drift_window=int(conf.get("DRIFT_WINDOW")),
        period=int(mfa_settings.TOTP_PERIOD),
        digits=int(mfa_settings.TOTP_DIGITS),
    )


class Refused(Exception):
    def __init__(self, reason: str, message: str, extra: dict | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.extra = extra or {}


def check_totp_secret(*, secret: str, code: str, authenticator_id: int | None = None) -> int:
    """Accept ``code`` for ``secret`` once, or raise Refused (burning drift codes).

    Returns the accepted time step. Two replay guards, both must pass: the shared
    cache (an atomic add per step, survives a rolled-back caller) and, for an enrolled
    authenticator, the last accepted step in the database (RFC 6238 §5.2: any step at
    or below it is refused; survives a cache flush).
    """
    verdict = judge_totp(secret=secret, code=code)
    if verdict.outcome is totp.Outcome.NO_MATCH or verdict.match is None:
        raise Refused("wrong", wrong_code_message())
    burnt_now = guard.burn_step(secret=secret, counter=verdict.match.counter)
    if verdict.outcome is totp.Outcome.DRIFT:
        minutes = totp.drift_minutes(verdict.match.offset, period=int(mfa_settings.TOTP_PERIOD))
        direction = "ahead" if verdict.match.offset > 0 else "behind"
        raise Refused(
            "drift",
            hints.drift_message(verdict.match.offset, period=int(mfa_settings.TOTP_PERIOD)),
            {"drift_minutes": minutes, "direction": direction},
        )
    if not burnt_now or (
        authenticator_id is not None
        and not guard.step_advance(authenticator_id=authenticator_id, step=verdict.match.counter)
    ):
        raise Refused(
            "replay",
            _("This code has already been used. Wait for the next code in your authenticator app and enter it."),
        )
    return verdict.match.counter


def check_code(
    *,
    user: Any,
    code: str,
    request: HttpRequest | None,
    purpose: str,
    allow_recovery: bool = True,
    authenticators: list[Authenticator] | None = None,
    lock_checked: bool = False,
    record_usage: bool = True,
) -> Authenticator:
    """Judge a typed code for ``user``; returns the authenticator that accepted it.

    Raises ApplicationError ``two_factor_locked`` (403), ``rate_limited`` (429) or
    ``two_factor_invalid`` (400, message explains: wrong, replayed, clock drift,
    recovery code not allowed here).

    ``record_usage=False``: the caller records the use itself (allauth's sign-in and
    re-authentication forms do in ``save()``), so ``last_used_at`` is written once.
    """
    from . import authenticators as user_authenticators

    failures: int | None = None  # unknown: a right code resets the counter unconditionally
    if lock_checked:
        throttle(user, request)
        if authenticators is None:
            authenticators = user_authenticators.for_user(user)
    else:
        # ensure_not_locked then throttle, in that order, in one query (the lock row read
        # with the authenticators) and one round trip (the failure counter with the hits).
        if authenticators is None:
            authenticators, locked = user_authenticators.for_user_and_lock(user)
        else:
            from ..models import SecondFactorLock

            locked = SecondFactorLock.objects.filter(user_id=user.pk).exists()
        if locked:
            raise locked_error()
        failures = _unlocked_then_throttle(user, request)
    normalized = totp.normalize_code(code)
    by_type = {a.type: a for a in authenticators}
    totp_auth = by_type.get(Authenticator.Type.TOTP)
    rc_auth = by_type.get(Authenticator.Type.RECOVERY_CODES)
    refusal = Refused("wrong", wrong_code_message())

    if totp_auth is not None and len(normalized) == int(mfa_settings.TOTP_DIGITS):
        try:
            secret = decrypt(totp_auth.data["secret"])
        except SecretDecryptionError as exc:
            # A key was removed before rotation finished: fail closed, loudly, without
            # counting it against the customer.
            logger.error("mfa_secret_undecryptable", user_id=user.pk, authenticator_id=totp_auth.pk)
            raise ApplicationError(
                MfaErrorCode.TWO_FACTOR_UNAVAILABLE,
                _("Two-factor checks are temporarily unavailable. Please try again later."),
                status=503,
            ) from exc
        try:
            check_totp_secret(secret=secret, code=normalized, authenticator_id=totp_auth.pk)
        except Refused as exc:
            refusal = exc
        else:
            return _succeeded(
                user, totp_auth, request=request, purpose=purpose, record_usage=record_usage, failures=failures
            )

    if rc_auth is not None and refusal.reason == "wrong" and len(normalized) == int(mfa_settings.RECOVERY_CODE_DIGITS):
        if not allow_recovery:
            # Not tried, so not an oracle and not a failure; say why.
            raise invalid(
                _(
                    "Recovery codes cannot authorise withdrawals or new withdrawal addresses. "
                    "Enter the code from your authenticator app."
                )
            )
        wrapped = rc_auth.wrap()
        if wrapped.validate_code(normalized):
            # validate_code re-reads the row under a lock and marks the code on that copy;
            # rc_auth still holds the codes as they were before (the count would be one high).
            return _succeeded(
                user, wrapped.instance, request=request, purpose=purpose, record_usage=record_usage, failures=failures
            )

    record_failure(user, request=request, purpose=purpose, reason=refusal.reason, extra=refusal.extra)
    raise invalid(refusal.message)


def _succeeded(
    user: Any,
    authenticator: Authenticator,
    *,
    request: HttpRequest | None,
    purpose: str,
    record_usage: bool = True,
    failures: int | None = None,
) -> Authenticator:
    # A right code resets the consecutive failures; when none were counted as this attempt
    # started there is nothing to reset (a wrong code sent meanwhile, concurrently, counts
    # as the one after this right code).
    if failures != 0:
        guard.failures_reset(user.pk)
    if record_usage:
        authenticator.record_usage()
    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        from core.notify import send_email

        left = len(authenticator.wrap().get_unused_codes())
        audit_log(user=user, event="mfa.recovery_code_used", request=request, data={"purpose": purpose, "left": left})
        send_email(user=user, kind="mfa_recovery_code_used", context={"left": left, "purpose": purpose})
    return authenticator
