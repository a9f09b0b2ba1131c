"""The signed-in user as the real model, for views that pass it to typed services (issue 16).

``request.user`` is ``User | AnonymousUser`` to the type checker even behind
``login_required``; ``signed_in_user`` checks it at run time instead of casting it away."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts.models import User


def signed_in_user(request: HttpRequest) -> User:
    """The request's user; 403 when nobody is signed in (a view without ``login_required``)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied
    return user
