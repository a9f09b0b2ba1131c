"""Support pages: contact channels, customer portal, guest path and the staff console.

Thin: every read goes through ``support.selectors`` and every write through
``support.services``; ApplicationError messages are shown on the page.

The package is split by audience; this module re-exports every view and helper so
``support.urls`` and ``from support import views`` keep working."""

from __future__ import annotations

from support.models import MessageKind
from support.views._common import (
    GUEST_NEXT_SESSION_KEY,
    GUEST_SESSION_KEY,
    _field_labels,
    _files,
    _form_context,
    _guest_email,
    _jst_text,
    _lang,
    _prefill_query,
    _serve,
    _submit,
    _thread_context,
)
from support.views.customer import (
    _contact_context,
    _display_phone,
    _tel,
    attachment,
    callback_request,
    contact,
    freeze_now,
    inquiry_close,
    inquiry_detail,
    my_inquiries,
    new_inquiry,
    new_inquiry_form,
    suggest,
)
from support.views.guest import (
    GuestCodeForm,
    GuestEmailForm,
    _GuestRedirect,
    _require_guest,
    guest_home,
    guest_inquiry,
    guest_new,
    guest_start,
    guest_verify,
    guest_view,
)
from support.views.staff import (
    _agent_name,
    _identity_case_rows,
    _pk,
    _seen,
    _staff_only,
    staff_action,
    staff_inquiry,
    staff_inquiry_context,
    staff_presence,
    staff_queue,
)

__all__ = [
    "GUEST_NEXT_SESSION_KEY",
    "GUEST_SESSION_KEY",
    "GuestCodeForm",
    "GuestEmailForm",
    "MessageKind",
    "_GuestRedirect",
    "_agent_name",
    "_contact_context",
    "_display_phone",
    "_field_labels",
    "_files",
    "_form_context",
    "_guest_email",
    "_identity_case_rows",
    "_jst_text",
    "_lang",
    "_pk",
    "_prefill_query",
    "_require_guest",
    "_seen",
    "_serve",
    "_staff_only",
    "_submit",
    "_tel",
    "_thread_context",
    "attachment",
    "callback_request",
    "contact",
    "freeze_now",
    "guest_home",
    "guest_inquiry",
    "guest_new",
    "guest_start",
    "guest_verify",
    "guest_view",
    "inquiry_close",
    "inquiry_detail",
    "my_inquiries",
    "new_inquiry",
    "new_inquiry_form",
    "staff_action",
    "staff_inquiry",
    "staff_inquiry_context",
    "staff_presence",
    "staff_queue",
    "suggest",
]
