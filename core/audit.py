"""The audit log writer. Services call audit_log for every security event."""

from __future__ import annotations

from typing import Any

import structlog
from django.http import HttpRequest

from .metrics import SECURITY_EVENTS
from .models import AuditEvent
from .ratelimit import client_ip
from .request_context import current_request_id

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


def audit_log(
    *,
    user: Any,
    event: str,
    request: HttpRequest | None = None,
    actor: Any = None,
    data: dict[str, Any] | None = None,
    visible_to_customer: bool = True,
) -> AuditEvent:
    ip = client_ip(request) if request is not None else None
    user_agent = request.headers.get("User-Agent", "")[:300] if request is not None else ""
    row = AuditEvent.objects.create(
        user=user if getattr(user, "pk", None) else None,
        actor=actor if getattr(actor, "pk", None) else None,
        event=event,
        ip=ip,
        user_agent=user_agent,
        data=_clean(data),
        visible_to_customer=visible_to_customer,
        request_id=current_request_id() or "",
    )
    SECURITY_EVENTS.labels(event).inc()
    logger.info("audit", audit_event=event, user_id=getattr(user, "pk", None), actor_id=getattr(actor, "pk", None))
    return row
