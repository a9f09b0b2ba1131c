"""Freezing an account: from a signed-in session, by email request, by the emailed link."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core import signing
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import User
from accounts.normalize import normalize_email
from core import ratelimit
from core.audit import audit_log
from core.captcha import verify_or_raise
from core.errors import ApplicationError
from core.notify import send_email
from core.tasks import enqueue_padding
from recovery import conf
from recovery.errors import RecoveryErrorCode
from recovery.services._common import FREEZE_SALT, _ip_key, _site

# =========================================================================== freeze


def freeze_link(user: User) -> str:
    token = signing.dumps({"u": user.pk}, salt=FREEZE_SALT, compress=True)
    return _site(reverse("recovery:freeze_confirm", args=[token]))


def freeze_now(*, user: User, request: HttpRequest | None = None, reason: str = "customer_request") -> bool:
    """Signed-in one-click freeze. Other sessions end (a thief's phone is signed out)."""
    frozen = account_services.account_freeze(user=user, reason=reason, request=request)
    keep = request.session.session_key if request is not None and hasattr(request, "session") else None
    account_services.sessions_end_all(user=user, except_session_key=keep, request=request)
    return frozen


def freeze_request(*, email: str, captcha: str | None, request: HttpRequest | None) -> None:
    """Signed out: email a one-click freeze link. Same answer whether or not the address exists."""
    verify_or_raise(captcha, request)
    ratelimit.check(f"recovery:freeze-request:ip:{_ip_key(request)}", limit=10, period=3600)
    address = normalize_email(email or "")
    ratelimit.check(f"recovery:freeze-request:email:{address.lower()}", limit=3, period=3600)
    user = get_user_model().objects.filter(email__iexact=address, is_active=True).first()
    if user is None:
        # The same work as the other branch (a signed link, a queued task, an audit row), so
        # the answer takes as long whether or not the address has an account.
        signing.dumps({"u": 0}, salt=FREEZE_SALT, compress=True)
        enqueue_padding()
        audit_log(user=None, event="account.freeze_link_unknown_address", request=request, visible_to_customer=False)
        return
    send_email(user=user, kind="freeze_link", context={"freeze_url": freeze_link(user)})
    audit_log(user=user, event="account.freeze_link_sent", request=request)


def user_for_freeze_token(token: str) -> User:
    try:
        data = signing.loads(token, salt=FREEZE_SALT, max_age=dt.timedelta(days=conf.get("FREEZE_LINK_DAYS")))
    except signing.BadSignature as error:
        raise ApplicationError(
            RecoveryErrorCode.LINK_INVALID,
            _("This freeze link is invalid or has expired. Request a new one."),
            status=400,
        ) from error
    user = get_user_model().objects.filter(pk=data.get("u")).first()
    if user is None:
        raise ApplicationError(
            RecoveryErrorCode.LINK_INVALID, _("This freeze link is invalid or has expired."), status=400
        )
    return user


def freeze_by_link(*, token: str, request: HttpRequest | None = None) -> User:
    user = user_for_freeze_token(token)
    account_services.account_freeze(user=user, reason="customer_link", request=request)
    account_services.sessions_end_all(user=user, request=request)
    return user
