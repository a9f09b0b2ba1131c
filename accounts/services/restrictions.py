"""What a frozen account or a withdrawal hold refuses, and setting the hold.

The lowest of accounts' writers: it imports nothing above ``accounts.models``, so
``mfa`` (the perimeter and its writers) calls it without reaching back into the account
flows that call ``mfa.perimeter`` (password, sessions, email and phone change)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.errors import AccountErrorCode
from accounts.models import User
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode


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
            CommonErrorCode.ACCOUNT_FROZEN,
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
            AccountErrorCode.WITHDRAWAL_HOLD,
            _("Withdrawals are on hold after a recent security change until %(until)s.")
            % {"until": formats.date_format(local, "DATETIME_FORMAT")},
            status=403,
        )
