"""Error codes the support desk answers with (``ApplicationError(SupportErrorCode.X, …)``).

Shared conditions (not signed in, permission denied, validation) are ``core.errors.CommonErrorCode``.
"""

from __future__ import annotations

from core.errors import ErrorCode


class SupportErrorCode(ErrorCode):
    """Conditions of inquiries, guest contact, callbacks and the staff console."""

    # the customer (or guest address) already has an open inquiry in this category
    OPEN_INQUIRY_EXISTS = "open_inquiry_exists"
    # a reply to an inquiry closed for longer than the reopen period
    INQUIRY_CLOSED = "inquiry_closed"
    # a callback asked for while the phone line is closed (out of hours, holiday, closure)
    CALLBACK_CLOSED = "callback_closed"
    # more files uploaded in 24 h than one customer or guest address may
    UPLOAD_LIMIT = "upload_limit"
    # more files attached to one message than allowed
    TOO_MANY_FILES = "too_many_files"
    # someone else changed the inquiry after the agent opened it; nothing was saved
    INQUIRY_CHANGED = "inquiry_changed"
    # the inquiry's category fixes its priority (security is always urgent)
    PRIORITY_LOCKED = "priority_locked"
    # the chosen assignee is not staff who can work on the queue
    INVALID_ASSIGNEE = "invalid_assignee"
    # moving an inquiry out of the security queue without a reason
    REASON_REQUIRED = "reason_required"
