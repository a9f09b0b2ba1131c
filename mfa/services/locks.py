"""Removing every second factor and lifting a lock (recovery flows and staff)."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import IDENTITY_REVIEWER, SECURITY_AGENT, has_role
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode
from core.notify import send_email
from mfa.internal import guard
from mfa.models import SecondFactorLock


def two_factor_remove_all(
    *, user: User, reason: str, actor: User | None = None, request: HttpRequest | None = None
) -> None:
    """Remove every authenticator (recovery flows); also lifts a lock."""

    with transaction.atomic():
        Authenticator.objects.filter(user_id=user.pk).delete()
        SecondFactorLock.objects.filter(user_id=user.pk).delete()
        audit_log(user=user, actor=actor, event="mfa.removed_all", request=request, data={"reason": reason})
        send_email(user=user, kind="two_factor_removed", context={"reason": reason})
    # Immediately (not on commit): if the caller rolls back, the lock row comes back
    # with it and still locks; the counter only matters while no row exists.
    guard.failures_reset(user.pk)


def second_factor_unlock(*, user: User, actor: User | None = None, request: HttpRequest | None = None) -> bool:
    """Lift a lock without removing authenticators (recovery / staff). True if it was locked.

    With an ``actor`` (staff), only the security team or identity reviewers may do it;
    without one it is the recovery flow acting for the customer.
    """
    if actor is not None and not (has_role(actor, SECURITY_AGENT) or has_role(actor, IDENTITY_REVIEWER)):
        raise ApplicationError(
            CommonErrorCode.PERMISSION_DENIED, _("You do not have permission to do this."), status=403
        )

    deleted, _rows = SecondFactorLock.objects.filter(user_id=user.pk).delete()
    guard.failures_reset(user.pk)
    if deleted:
        audit_log(user=user, actor=actor, event="mfa.unlocked", request=request)
        send_email(user=user, kind="mfa_unlocked", context={})
    return bool(deleted)
