"""A customer's authenticators, read once per request during a sign-in.

A sign-in asks "does this customer have TOTP or a passkey?" six times in two requests
(allauth's 2FA stage, the flows listed in the headless answer, our phone and SMS stages,
the code check, the enrolment prompt), each an ``EXISTS`` query. The rows are few per
customer, so they are loaded once per request and the questions are answered from them.

Never stale: the copy lives on the request only, it is dropped whenever an authenticator
is saved or deleted (signals below), and it is neither read nor filled inside a
transaction (a rolled-back change must not survive in a copy), so code that changes
authenticators, always inside ``transaction.atomic``, reads the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from allauth.core import context
from allauth.mfa.models import Authenticator
from django.db import connection
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

_ATTR = "_madoguchi_authenticators"


def _memo() -> dict[Any, list[Authenticator]] | None:
    request = context.request
    if request is None or connection.in_atomic_block:
        return None
    memo = getattr(request, _ATTR, None)
    if memo is None:
        memo = {}
        try:
            setattr(request, _ATTR, memo)
        except AttributeError:  # pragma: no cover - a read-only request stand-in
            return None
    return memo  # type: ignore[no-any-return]


def for_user(user: Any) -> list[Authenticator]:
    """All of the customer's authenticators (rows, fresh from the database at least once
    in this request)."""
    if user is None or user.pk is None:
        return []
    memo = _memo()
    if memo is not None and user.pk in memo:
        return memo[user.pk]
    rows = list(Authenticator.objects.filter(user_id=user.pk))
    if memo is not None:
        memo[user.pk] = rows
    return rows


def has_any(user: Any, types: Iterable[str] | None = None) -> bool:
    rows = for_user(user)
    if types is None:
        return bool(rows)
    wanted = {str(t) for t in types}
    return any(str(a.type) in wanted for a in rows)


def has_second_factor(user: Any) -> bool:
    """TOTP or a passkey (recovery codes alone are not a second step)."""
    return has_any(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])


def forget() -> None:
    request = context.request
    if request is not None and getattr(request, _ATTR, None):
        setattr(request, _ATTR, {})


@receiver(post_save, sender=Authenticator)
@receiver(post_delete, sender=Authenticator)
def _authenticator_changed(sender: Any, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= {"last_used_at"}:
        return  # record_usage(): type, owner and data unchanged (the copy is that instance)
    forget()
