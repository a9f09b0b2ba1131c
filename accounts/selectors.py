from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from core.models import AuditEvent


@dataclass(frozen=True)
class Restriction:
    frozen: bool
    hold_until: dt.datetime | None

    @property
    def on_hold(self) -> bool:
        return self.hold_until is not None and self.hold_until > timezone.now()


def restriction_for_user(user: User) -> Restriction:
    hold = user.withdrawal_hold_until
    return Restriction(frozen=user.frozen_at is not None, hold_until=hold if hold and hold > timezone.now() else None)


def activity_for_user(user: User, *, limit: int = 50) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(user=user, visible_to_customer=True).order_by("-created_at", "-id")[:limit]


def recent_signins_for_staff(user: User, *, limit: int = 10) -> QuerySet[AuditEvent]:
    """Every sign-in event of a customer (success, failure, new device, SMS step), newest first."""
    return AuditEvent.objects.filter(user=user, event__startswith="login.").order_by("-created_at", "-id")[:limit]


@dataclass(frozen=True)
class LiveSession:
    id: int
    device: str  # parsed from the user agent: "Chrome on Windows"
    label: str  # the customer's own name for it, "" when none
    user_agent: str
    ip: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    current: bool

    @property
    def name(self) -> str:
        return self.label or self.device


SESSION_LABEL_KEY = "madoguchi_label"  # in allauth's UserSession.data


def session_names(session: Any) -> tuple[str, str]:
    """(device, label) of one allauth UserSession row: the parsed device name and the
    customer's own name for it ("" when none)."""
    from .internal.devices import device_name

    return device_name(session.user_agent or ""), str((session.data or {}).get(SESSION_LABEL_KEY, ""))


def _is_live(session: Any) -> bool:
    """The row's Django session still exists and still signs its user in (allauth's purge
    test, without deleting: rows of ended sessions are purged by the hourly job)."""
    from allauth.core.internal.sessionkit import get_session_user

    # One read of the store: a missing session loads as empty, which signs nobody in.
    return get_session_user(session._session_store(session.session_key)) is not None


def sessions_for_user(user: User, *, current_session_key: str | None = None, limit: int = 20) -> list[LiveSession]:
    """The customer's live sessions, newest activity first: signed-out and expired ones are
    not listed even before the purge job removes their rows."""
    from allauth.usersessions.models import UserSession

    rows = UserSession.objects.filter(user_id=user.pk).order_by("-last_seen_at", "-pk")
    live: list[LiveSession] = []
    for s in rows[: limit * 3]:
        if s.session_key != current_session_key and not _is_live(s):
            continue
        device, label = session_names(s)
        live.append(
            LiveSession(
                id=s.pk,
                device=device,
                label=label,
                user_agent=s.user_agent,
                ip=s.ip,
                created_at=s.created_at,
                last_seen_at=s.last_seen_at,
                current=s.session_key == current_session_key,
            )
        )
        if len(live) == limit:
            break
    return live


_PRIMARY_EMAIL_SQL: dict[str, str] = {}


def primary_email(user: User) -> str | None:
    """The address allauth's ``EmailAddress.objects.get_primary_email`` gives for a saved user:
    the primary row's email, else the user's own ``email`` field (None when blank).

    One plain SELECT (the same on every database) instead of the manager's ``get()``, whose
    query building cost more CPU than the statement on every signed-in answer. At most one
    row matches: allauth's ``unique_primary_email`` constraint.
    """
    from allauth.account.models import EmailAddress
    from allauth.account.utils import user_email
    from django.db import connections, router

    using = router.db_for_read(EmailAddress)
    sql = _PRIMARY_EMAIL_SQL.get(using)
    if sql is None:
        meta = EmailAddress._meta
        quote = connections[using].ops.quote_name
        sql = _PRIMARY_EMAIL_SQL[using] = (
            f"SELECT {quote(meta.get_field('email').column)} FROM {quote(meta.db_table)} "  # noqa: S608 - names from the model
            f"WHERE {quote(meta.get_field('user').column)} = %s AND {quote(meta.get_field('primary').column)} = %s"
        )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [user.pk, True])
        row = cursor.fetchone()
    if row:
        return str(row[0])
    return user_email(user)
