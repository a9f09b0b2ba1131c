"""Staff roles are Django groups; services check them, never templates alone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

from core.errors import ApplicationError, CommonErrorCode

SUPPORT_AGENT = "support_agent"
SECURITY_AGENT = "security_agent"
SUPERVISOR = "supervisor"
IDENTITY_REVIEWER = "identity_reviewer"
OPERATOR = "operator"
ALL_ROLES = (SUPPORT_AGENT, SECURITY_AGENT, SUPERVISOR, IDENTITY_REVIEWER, OPERATOR)


def has_role(user: User | AnonymousUser | None, role: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
        return False
    cache = getattr(user, "_role_cache", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        setattr(user, "_role_cache", cache)  # noqa: B010 (per-request copy, not a model field)
    return role in cache


def require_role(user: User | AnonymousUser | None, role: str) -> None:
    if not has_role(user, role):
        raise ApplicationError(
            CommonErrorCode.PERMISSION_DENIED, _("You do not have permission to do this."), status=403
        )
