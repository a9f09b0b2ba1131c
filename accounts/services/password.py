"""Password change (the gate is ``mfa.perimeter``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.errors import AccountErrorCode
from accounts.models import User
from accounts.services.restrictions import ensure_not_frozen
from accounts.services.sessions import _sessions_end
from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode
from mfa import perimeter


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

    ensure_not_frozen(user)
    ratelimit.check(f"accounts:password-change:{user.pk}", limit=10, period=3600)
    if user.has_usable_password() and not user.check_password(current_password or ""):
        message = _("The current password is not correct.")
        audit_log(user=user, event="password.change_failed", request=request, visible_to_customer=False)
        raise ApplicationError(AccountErrorCode.PASSWORD_INVALID, message, fields={"current_password": [message]})
    try:
        validate_password(new_password or "", user=user)
    except ValidationError as exc:
        messages = [str(m) for m in exc.messages]
        raise ApplicationError(
            CommonErrorCode.VALIDATION_FAILED, " ".join(messages), fields={"new_password": messages}
        ) from exc
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
