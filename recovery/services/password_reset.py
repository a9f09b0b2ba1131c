"""Password reset: the request, the SMS code on the reset path, the link, completion."""

from __future__ import annotations

import datetime as dt

from allauth.account.internal.flows import password_reset as allauth_reset
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import User
from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode
from mfa import conf as mfa_conf
from mfa import services as mfa_services
from recovery import conf
from recovery.errors import RecoveryErrorCode
from recovery.models import (
    PasswordResetGrant,
)
from recovery.services._common import RESET_SESSION_KEY, RESET_SMS_PURPOSE, _ip_key, _sha256
from recovery.tokens import PasswordResetTokenGenerator, sms_verified_for, token_hash

# =========================================================================== password reset


def _reset_sms_attempt(*, request: HttpRequest, email: str, user: User | None) -> str:
    """Text a reset code when allowed; returns "" when a code went out, or the truthful notice.

    The budget and the cooldown are kept per typed address, for every address alike, so the
    page reads the same whether or not an account exists (and whether it has a phone).
    Reset codes draw on the account's "anonymous" SMS budget, never on its sign-in budget.
    """
    from core.sms import Budget, SmsNotSent, budgets_take

    now = timezone.now()
    address = email.lower()
    last_key = f"recovery:reset-sms-last:{_sha256(address)}"
    last = cache.get(last_key)
    last_at = dt.datetime.fromtimestamp(float(last), tz=dt.UTC) if last else None
    still_valid = last_at if last_at and now - last_at < dt.timedelta(seconds=mfa_conf.get("SMS_CODE_TTL")) else None
    cooldown = int(mfa_conf.get("SMS_RESEND_COOLDOWN"))
    if last_at is not None and (now - last_at).total_seconds() < cooldown:
        return mfa_services.sms_not_sent_message(
            valid_since=still_valid, retry_at=last_at + dt.timedelta(seconds=cooldown)
        )
    limit = int(dict(mfa_conf.get("SMS_CAPS")).get("anonymous", 3))
    try:
        budgets_take([Budget("reset_address", address, limit, 3600)], now=now)
    except SmsNotSent as exc:
        return mfa_services.sms_not_sent_message(valid_since=still_valid, retry_at=exc.retry_at)
    cache.set(last_key, now.timestamp(), timeout=3600)
    if user is not None and user.phone:
        try:
            mfa_services.sms_code_send(user=user, purpose=RESET_SMS_PURPOSE, request=request)
        except ApplicationError:
            # The account's own anonymous budget (also drawn on by the headless reset):
            # the previous code stays valid; the answer must not differ.
            pass
    return ""


def password_reset_request(*, request: HttpRequest, email: str, users: list[User]) -> None:
    """Step 1 (after the captcha): the same visible outcome whether or not the address exists.

    Account with a phone: an SMS code now, the emailed link only after the code (step 2).
    Account without a phone: the emailed link now. Unknown address: allauth's
    "no account with this address" email, and a code step that never succeeds.
    """
    user = users[0] if users else None
    if user is None:
        allauth_reset.request_password_reset(request, email, [], None)
    elif not user.phone:
        _password_reset_link_send(request=request, user=user, email=email)
    notice = _reset_sms_attempt(request=request, email=email, user=user)
    if user is not None:
        audit_log(user=user, event="password_reset.requested", request=request, data={"sms": bool(user.phone)})
    request.session[RESET_SESSION_KEY] = {"uid": user.pk if user else None, "email": email, "notice": notice}


def password_reset_code_verify(*, request: HttpRequest, code: str) -> None:
    """Step 2: the SMS code; on success the single-use 24-hour link is emailed."""
    state = request.session.get(RESET_SESSION_KEY)
    if not isinstance(state, dict):
        raise ApplicationError(
            RecoveryErrorCode.RESET_NOT_STARTED, _("Please start the password reset again."), status=400
        )
    ratelimit.check(f"recovery:reset-code:ip:{_ip_key(request)}", limit=30, period=600)
    ratelimit.check(f"recovery:reset-code:email:{state.get('email')}", limit=10, period=600)
    uid = state.get("uid")
    user = get_user_model().objects.filter(pk=uid).first() if uid else None
    if user is None or not user.phone:
        raise ApplicationError(CommonErrorCode.TWO_FACTOR_INVALID, _("The code is not correct."), status=400)
    mfa_services.sms_code_verify(user=user, purpose=RESET_SMS_PURPOSE, code=(code or "").strip())
    _password_reset_link_send(request=request, user=user, email=state["email"])
    audit_log(user=user, event="password_reset.sms_verified", request=request)
    request.session[RESET_SESSION_KEY] = {**state, "verified": True}


def password_reset_code_resend(*, request: HttpRequest) -> str:
    """A new reset code. Returns "" when one went out, otherwise what the page should say
    (the earlier code is still valid / when a new one can be sent); never raises for that."""
    state = request.session.get(RESET_SESSION_KEY)
    if not isinstance(state, dict):
        raise ApplicationError(
            RecoveryErrorCode.RESET_NOT_STARTED, _("Please start the password reset again."), status=400
        )
    ratelimit.check(f"recovery:reset-resend:ip:{_ip_key(request)}", limit=10, period=3600)
    uid = state.get("uid")
    user = get_user_model().objects.filter(pk=uid).first() if uid else None
    notice = _reset_sms_attempt(request=request, email=str(state.get("email") or ""), user=user)
    request.session[RESET_SESSION_KEY] = {**state, "notice": notice}
    return notice


def password_reset_key_sms_verify(*, key: str, code: str, request: HttpRequest | None = None) -> None:
    """Headless reset of a phone account: confirm the SMS code with the emailed key
    (``<uidb36>-<token>``, the value allauth's headless ``/auth/password/reset`` takes)."""
    from allauth.account.utils import url_str_to_user_pk

    ratelimit.check(f"recovery:reset-key-sms:ip:{_ip_key(request)}", limit=30, period=600)
    invalid = ApplicationError(RecoveryErrorCode.LINK_INVALID, _("This link is invalid or has expired."), status=400)
    uidb36, _sep, token = (key or "").partition("-")
    try:
        user = get_user_model().objects.filter(pk=url_str_to_user_pk(uidb36)).first()
    except (ValueError, TypeError):
        user = None
    if user is None or not PasswordResetTokenGenerator().check_token_ignoring_sms(user, token):
        raise invalid
    ratelimit.check(f"recovery:reset-key-sms:user:{user.pk}", limit=10, period=600)
    mfa_services.sms_code_verify(user=user, purpose=RESET_SMS_PURPOSE, code=(code or "").strip())
    PasswordResetGrant.objects.filter(user=user, token_hash=token_hash(token), used_at__isnull=True).update(
        sms_verified=True
    )
    audit_log(user=user, event="password_reset.sms_verified", request=request, data={"via": "api"})


def _password_reset_link_send(*, request: HttpRequest, user: User, email: str) -> None:
    # allauth builds and emails the link; our token generator records the grant.
    with sms_verified_for(user):
        allauth_reset.request_password_reset(request, email, [user], None)


def password_reset_completed(*, user: User, request: HttpRequest | None) -> None:
    """After allauth set the new password: every link dies, sessions end, withdrawals held.

    2FA is left exactly as it was: a reset never removes a second factor.
    """
    PasswordResetGrant.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
    account_services.sessions_end_all(user=user, request=request)
    account_services.withdrawal_hold_set(
        user=user, hours=conf.get("RESET_HOLD_HOURS"), reason="password_reset", request=request
    )
    audit_log(user=user, event="password.reset", request=request)
    if request is not None and hasattr(request, "session"):
        request.session.pop(RESET_SESSION_KEY, None)
