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

import weakref
from collections.abc import Iterable
from typing import Any

from allauth.core import context
from allauth.mfa.models import Authenticator
from django.db import connection, connections, router
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
    rows, _locked = _rows_and_lock(user.pk, lock=False)
    if memo is not None:
        memo[user.pk] = rows
    return rows


def for_user_and_lock(user: Any) -> tuple[list[Authenticator], bool]:
    """``for_user(user)`` and whether the customer's second factor is locked (a
    ``SecondFactorLock`` row), read in one statement when the rows are not in the request's
    copy yet (the code check of a sign-in step). The lock is never taken from a copy: it is
    read from the database on every call, with the rows or on its own."""
    from ..models import SecondFactorLock

    memo = _memo()
    if memo is not None and user.pk in memo:
        return memo[user.pk], SecondFactorLock.objects.filter(user_id=user.pk).exists()
    rows, locked = _rows_and_lock(user.pk)
    if memo is not None:
        memo[user.pk] = rows
    return rows, locked


# The rows (and the lock) in one statement, written by hand: the ORM's version (rows annotated
# with an Exists() of the lock) costs more Python than the two queries it replaces, and the
# ORM's query alone costs three times this one. Portable SQL (PostgreSQL and SQLite; other
# backends take the ORM's queries): with the lock, one row of NULLs from the LEFT JOIN when
# there is no authenticator, so the lock is read either way. The values pass the converters
# the ORM would apply, so the instances are the ORM's.
_FAST_VENDORS = frozenset({"postgresql", "sqlite"})
_Columns = list[tuple[str, list[Any], Any]]
_statements: weakref.WeakKeyDictionary[Any, tuple[dict[bool, str], _Columns]] = weakref.WeakKeyDictionary()


def _statement(connection: Any) -> tuple[dict[bool, str], _Columns]:
    from ..models import SecondFactorLock

    found = _statements.get(connection)  # per connection: its converters are bound to it
    if found is not None:
        return found
    qn = connection.ops.quote_name
    meta, lock_meta = Authenticator._meta, SecondFactorLock._meta
    columns = []
    for field in meta.concrete_fields:
        col = field.get_col("a")
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        columns.append((field.attname, converters, col))
    select = ", ".join(f"a.{qn(field.column)}" for field in meta.concrete_fields)
    lock_user = qn(lock_meta.get_field("user").column)  # type: ignore[union-attr]
    user = qn(meta.get_field("user").column)  # type: ignore[union-attr]
    table = qn(meta.db_table)
    sql = {
        True: (
            f"SELECT EXISTS (SELECT 1 FROM {qn(lock_meta.db_table)} WHERE {lock_user} = %s), {select} "  # noqa: S608 - names from the models
            f"FROM (SELECT 1) one LEFT JOIN {table} a ON a.{user} = %s"
        ),
        False: f"SELECT 0, {select} FROM {table} a WHERE a.{user} = %s",  # noqa: S608 - names from the models
    }
    found = _statements[connection] = (sql, columns)
    return found


def _rows_and_lock(user_id: Any, *, lock: bool = True) -> tuple[list[Authenticator], bool]:
    """The rows of ``user_id`` and, with ``lock``, whether a SecondFactorLock row exists
    (without: False)."""
    from ..models import SecondFactorLock

    connection = connections[router.db_for_read(Authenticator)]
    if connection.vendor not in _FAST_VENDORS:
        locked = lock and SecondFactorLock.objects.filter(user_id=user_id).exists()
        return list(Authenticator.objects.filter(user_id=user_id)), locked
    sql, columns = _statement(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql[lock], [user_id, user_id] if lock else [user_id])
        fetched = cursor.fetchall()
    names = [name for name, _converters, _col in columns]
    rows = []
    for raw in fetched:
        if raw[1] is None:  # the primary key: no authenticator
            continue
        values = []
        for value, (_name, converters, col) in zip(raw[1:], columns, strict=True):
            for converter in converters:
                value = converter(value, col, connection)
            values.append(value)
        rows.append(Authenticator.from_db(connection.alias, names, values))
    return rows, bool(fetched and fetched[0][0])


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
