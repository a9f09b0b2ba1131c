"""The audit log writer. Services call audit_log for every security event."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from .metrics import SECURITY_EVENTS
from .models import AuditEvent
from .ratelimit import client_ip
from .request_context import current_request_id
from .rows import insert_row

if TYPE_CHECKING:
    from accounts.models import User


logger = structlog.get_logger("madoguchi.audit")

# Keys that must never reach the audit log, whatever a caller passes.
_FORBIDDEN_KEYS = {"password", "code", "secret", "token", "key", "otp", "captcha", "assertion"}


def _clean(data: dict[str, Any] | None) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in (data or {}).items():
        if key.lower() in _FORBIDDEN_KEYS:
            raise ValueError(f"audit data must not carry secrets ({key!r})")
        clean[key] = value
    return clean


def _saved(user: User | AnonymousUser | None) -> User | None:
    """The account to link the row to (an anonymous or unsaved user: none)."""
    return None if user is None or isinstance(user, AnonymousUser) or not user.pk else user


def audit_log(
    *,
    user: User | AnonymousUser | None,
    event: str,
    request: HttpRequest | None = None,
    actor: User | AnonymousUser | None = None,
    data: dict[str, Any] | None = None,
    visible_to_customer: bool = True,
) -> AuditEvent:
    ip = client_ip(request) if request is not None else None
    user_agent = request.headers.get("User-Agent", "")[:300] if request is not None else ""
    # One plain INSERT (core.rows): the model has no receivers and its save() only refuses
    # updates; this writes the same row as AuditEvent.objects.create().
    row = insert_row(
        AuditEvent(
            user=_saved(user),
            actor=_saved(actor),
            event=event,
            ip=ip,
            user_agent=user_agent,
            data=_clean(data),
            visible_to_customer=visible_to_customer,
            request_id=current_request_id() or "",
        )
    )
    SECURITY_EVENTS.labels(event).inc()
    logger.info("audit", audit_event=event, user_id=getattr(user, "pk", None), actor_id=getattr(actor, "pk", None))
    return row
