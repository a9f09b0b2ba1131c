"""Ending sessions (every other one, or the named ones) and naming them."""

from __future__ import annotations

import unicodedata
from typing import Any

from allauth.usersessions.models import UserSession
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import SESSION_LABEL_KEY
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode
from mfa import perimeter


def sessions_end_all(*, user: User, except_session_key: str | None = None, request: HttpRequest | None = None) -> int:

    ended = 0
    for session in UserSession.objects.filter(user=user):
        if session.session_key != except_session_key:
            session.end()
            ended += 1
    audit_log(user=user, event="sessions.ended_all", request=request, data={"count": ended})
    return ended


def _sessions_end(*, user: User, keep_session_key: str | None, ids: list[int] | None = None) -> int:

    rows = UserSession.objects.filter(user=user)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    ended = 0
    for session in rows:
        if keep_session_key is None or session.session_key != keep_session_key:
            session.end()
            ended += 1
    return ended


def sessions_end(
    *,
    user: User,
    session_ids: list[int] | None = None,
    code: str | None = None,
    assertion: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    reauthenticated: bool = False,
) -> int:
    """End the named sessions (or every other one): the customer's second factor first, so
    a stolen session cannot throw its owner out. Allowed while frozen."""

    if session_ids is not None:
        owned = set(UserSession.objects.filter(user=user, pk__in=session_ids).values_list("pk", flat=True))
        if not session_ids or owned != set(session_ids):
            raise ApplicationError(CommonErrorCode.NOT_FOUND, _("Session not found."), status=404)
    perimeter.authorise(
        user=user,
        action="sessions_end",
        code=code,
        assertion=assertion,
        request=request,
        reauthenticated=reauthenticated,
    )
    # Named sessions end as named (this one too); without names, every other session ends.
    keep = request.session.session_key if request is not None and hasattr(request, "session") else None
    ends_current = bool(
        session_ids and keep and UserSession.objects.filter(pk__in=session_ids, session_key=keep).exists()
    )
    with transaction.atomic():
        ended = _sessions_end(user=user, keep_session_key=None if session_ids else keep, ids=session_ids)
        perimeter.completed(
            user=user,
            action="sessions_end",
            event="sessions.ended",
            request=request,
            notify="sessions_ended" if ended else None,
            context={"count": ended},
            data={"count": ended, "current": ends_current},
        )
    if ends_current and request is not None:
        # Ending this very session signs the customer out here too (as allauth's flow does).
        from allauth.account.internal.flows.logout import logout

        logout(request)
    return ended


SESSION_LABEL_MAX = 40


def session_label_set(*, user: User, session_id: int, label: str, request: HttpRequest | None = None) -> str:
    """Name one of the customer's sessions ("Office laptop"); an empty label goes back to the
    parsed device name. Only a name the customer sees in their own list: audited, no second
    factor, no email."""

    label = " ".join(unicodedata.normalize("NFKC", label or "").split())
    if len(label) > SESSION_LABEL_MAX:
        message = _("Use at most %(max)d characters.") % {"max": SESSION_LABEL_MAX}
        raise ApplicationError(CommonErrorCode.VALIDATION_FAILED, message, fields={"label": [message]})
    with transaction.atomic():
        session = UserSession.objects.select_for_update().filter(user=user, pk=session_id).first()
        if session is None:
            raise ApplicationError(CommonErrorCode.NOT_FOUND, _("Session not found."), status=404)
        data = dict(session.data or {})
        if label:
            data[SESSION_LABEL_KEY] = label
        else:
            data.pop(SESSION_LABEL_KEY, None)
        session.data = data
        session.save(update_fields=["data"])
        audit_log(user=user, event="sessions.renamed", request=request, data={"session": session.pk})
    return label
