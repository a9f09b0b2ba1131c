"""Freezing an account (withdrawals cancelled in the same transaction) and lifting it (staff)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import IDENTITY_REVIEWER, SECURITY_AGENT, has_role
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode
from core.notify import send_email


def account_freeze(*, user: User, reason: str, actor: User | None = None, request: HttpRequest | None = None) -> bool:
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


def account_unfreeze(*, user: User, actor: User, request: HttpRequest | None = None) -> None:

    if not (has_role(actor, IDENTITY_REVIEWER) or has_role(actor, SECURITY_AGENT)):
        raise ApplicationError(
            CommonErrorCode.PERMISSION_DENIED, _("You do not have permission to do this."), status=403
        )
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        locked.frozen_at = None
        locked.frozen_reason = ""
        locked.save(update_fields=["frozen_at", "frozen_reason"])
        user.frozen_at, user.frozen_reason = None, ""
        audit_log(user=user, actor=actor, event="account.unfrozen", request=request)
        send_email(user=user, kind="account_unfrozen", context={})
