"""Authentication backends: Django's and allauth's, with a cheaper per-request user load.

``get_user`` runs on every signed-in request. It returns what the parent class returns
(the user, or None when the id is unknown or the account may not sign in); only the
loading is faster (accounts/usercache.py).
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from . import usercache


class FastUserLoadMixin:
    def get_user(self, user_id: Any) -> Any:
        user = usercache.load(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(FastUserLoadMixin, DjangoModelBackend):
    pass


class AuthenticationBackend(FastUserLoadMixin, AllauthBackend):
    pass
