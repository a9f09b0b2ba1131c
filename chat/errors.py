"""Error codes the live chat answers with (``ApplicationError(ChatErrorCode.X, …)``).

Shared conditions (not signed in, not found, validation, rate limits) are
``core.errors.CommonErrorCode``.
"""

from __future__ import annotations

from core.errors import ErrorCode


class ChatErrorCode(ErrorCode):
    """Conditions of starting, writing in and steering a chat."""

    # a chat started or written in outside chat hours
    CHAT_CLOSED = "chat_closed"
    # the customer (or guest address) already has an open chat (``fields.existing_id``)
    CHAT_OPEN_EXISTS = "chat_open_exists"
    # staff who are not the chat's assigned agent (nor a supervisor) tried to answer or steer it
    NOT_ASSIGNED = "not_assigned"
    # a message or an action on a chat that has ended (closed or converted)
    CHAT_ENDED = "chat_ended"
    # an agent accepted a chat another agent took first (or that ended meanwhile)
    CHAT_TAKEN = "chat_taken"
    # an agent accepting one more chat than they may have open at once
    CHAT_LIMIT = "chat_limit"
