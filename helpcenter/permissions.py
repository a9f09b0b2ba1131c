"""Who may edit the help centre and read its search misses. Below both services and
selectors, so either can ask without importing the other."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import OPERATOR, SUPERVISOR, SUPPORT_AGENT, has_role
from core.errors import ApplicationError, CommonErrorCode

EDITOR_ROLES = (OPERATOR, SUPERVISOR)


def can_edit_help(user: User | AnonymousUser) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active) or any(
        has_role(user, role) for role in EDITOR_ROLES
    )


def can_view_search_misses(user: User | AnonymousUser) -> bool:
    return can_edit_help(user) or has_role(user, SUPPORT_AGENT)


def _denied() -> ApplicationError:
    return ApplicationError(CommonErrorCode.PERMISSION_DENIED, _("You do not have permission to do this."), status=403)


def require_editor(user: User | AnonymousUser) -> User:
    """The editor's account; permission denied for anyone else."""
    if not isinstance(user, User) or not can_edit_help(user):
        raise _denied()
    return user


def require_search_misses_viewer(user: User | AnonymousUser) -> None:
    if not can_view_search_misses(user):
        raise _denied()
