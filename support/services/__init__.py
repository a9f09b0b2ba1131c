"""Writes. Every change of an inquiry goes through here: permission checks, rate limits,
validation, SLA bookkeeping, queue counters, history and notifications live together so no
interface (web form, API, admin, command) can skip them.

The package is split by sub-domain; this module re-exports every name (private helpers too, for
the chat app and tests) so ``from support import services; services.x`` keeps working. Patch a
function where it is used (``support.services.<module>.<name>``), not here."""

from __future__ import annotations

from support.services._common import (
    ACTIVE_VALUES,
    MESSAGE_MAX_LENGTH,
    REFERENCE_ALPHABET,
    _apply_sla,
    _clean_body,
    _display_name,
    _event,
    _language_of,
    _lock,
    _new_reference,
    _notify_customer,
    _refresh_search,
    _sanitise_all,
    _save_new,
    _set_status,
    _store_attachments,
    _upload_budget,
)
from support.services.callbacks import (
    callback_request,
)
from support.services.chat import (
    inquiry_create_from_chat,
)
from support.services.counters import (
    _count,
    _move_count,
    queue_counts_rebuild,
)
from support.services.guest import (
    _code_hash,
    guest_code_send,
    guest_code_verify,
    normalise_email,
)
from support.services.inquiries import (
    _customer_may_reply,
    inquiry_close_customer,
    inquiry_create,
    inquiry_freeze_offer_accept,
    inquiry_reply_customer,
)
from support.services.sla import (
    resolved_close_after_period,
    sla_breaches_flag,
)
from support.services.staff import (
    _NOT_A_CHANGE,
    STAFF_TRANSITIONS,
    _apply_priority,
    _check_not_changed,
    _check_transition,
    _require_staff,
    _staff_locked,
    canned_render,
    customer_freeze_by_staff,
    inquiry_assign,
    inquiry_move,
    inquiry_reply_staff,
    inquiry_set_priority,
    inquiry_set_status,
)

__all__ = [
    "ACTIVE_VALUES",
    "MESSAGE_MAX_LENGTH",
    "REFERENCE_ALPHABET",
    "STAFF_TRANSITIONS",
    "_NOT_A_CHANGE",
    "_apply_priority",
    "_apply_sla",
    "_check_not_changed",
    "_check_transition",
    "_clean_body",
    "_code_hash",
    "_count",
    "_customer_may_reply",
    "_display_name",
    "_event",
    "_language_of",
    "_lock",
    "_move_count",
    "_new_reference",
    "_notify_customer",
    "_refresh_search",
    "_require_staff",
    "_sanitise_all",
    "_save_new",
    "_set_status",
    "_staff_locked",
    "_store_attachments",
    "_upload_budget",
    "callback_request",
    "canned_render",
    "customer_freeze_by_staff",
    "guest_code_send",
    "guest_code_verify",
    "inquiry_assign",
    "inquiry_close_customer",
    "inquiry_create",
    "inquiry_create_from_chat",
    "inquiry_freeze_offer_accept",
    "inquiry_move",
    "inquiry_reply_customer",
    "inquiry_reply_staff",
    "inquiry_set_priority",
    "inquiry_set_status",
    "normalise_email",
    "queue_counts_rebuild",
    "resolved_close_after_period",
    "sla_breaches_flag",
]
