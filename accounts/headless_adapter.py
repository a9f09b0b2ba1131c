"""allauth headless adapter (``HEADLESS_ADAPTER``).

The user payload's dataclass is built once per process (allauth makes a new one per call).

At sign-in allauth builds the signed-in answer twice: once in ``post_login`` (thrown away
by the headless view) and once for the client. Each ``serialize_user`` reads the primary
email address. The serialised user is kept on the request for the second call, dropped
whenever the user or one of their email addresses is saved or deleted, and never kept
inside a transaction (a rolled-back change must not show), so it is always what a fresh
call would return.
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.core import context
from allauth.headless.adapter import DefaultHeadlessAdapter
from django.conf import settings
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

_ATTR = "_madoguchi_serialized_users"


def _username_field() -> str | None:
    from allauth.account import app_settings

    return app_settings.USER_MODEL_USERNAME_FIELD


class HeadlessAdapter(DefaultHeadlessAdapter):
    # allauth builds the user payload's dataclass (``dataclasses.make_dataclass``) anew on
    # every call, i.e. for every signed-in answer; its fields depend only on the user model
    # and settings, so one class per process gives the same payload.
    _user_dataclass: Any = None

    def get_user_dataclass(self) -> Any:
        cls = type(self)
        if cls._user_dataclass is None:
            cls._user_dataclass = super().get_user_dataclass()
        return cls._user_dataclass

    def user_as_dataclass(self, user: Any) -> Any:
        # allauth's payload (id, email, display, has_usable_password) with the primary
        # address read by one plain SELECT (accounts.selectors.primary_email) instead of the
        # manager's get(); a case this does not cover goes to allauth's own.
        if not user.pk or _username_field() or not isinstance(user.pk, int):
            return super().user_as_dataclass(user)
        from allauth.account.utils import user_display

        from accounts.selectors import primary_email

        email = primary_email(user)
        return self.get_user_dataclass()(
            id=user.pk,
            email=email if email else None,
            display=user_display(user),
            has_usable_password=user.has_usable_password(),
        )

    def serialize_user(self, user: Any) -> dict[str, Any]:
        request = context.request
        memo = None
        if request is not None and user.pk is not None and not connection.in_atomic_block:
            memo = request.__dict__.setdefault(_ATTR, {})
            if user.pk in memo:
                return dict(memo[user.pk])
        data = super().serialize_user(user)
        if memo is not None:
            memo[user.pk] = dict(data)
        return data


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
@receiver(post_delete, sender=settings.AUTH_USER_MODEL)
@receiver(post_save, sender=EmailAddress)
@receiver(post_delete, sender=EmailAddress)
def _forget(sender: Any, **kwargs: Any) -> None:
    request = context.request
    if request is not None and request.__dict__.get(_ATTR):
        request.__dict__[_ATTR] = {}
