"""Thin HTML views: forms in, services do the work, ApplicationError shown as a message.

The package is split by audience (customer pages, staff review screens); this module
re-exports every view and helper so ``recovery.urls`` and ``from recovery import views``
keep working."""

from __future__ import annotations

from recovery.views._common import (
    _case_context,
    _field_errors,
    _image_response,
)
from recovery.views.customer import (
    PasswordResetView,
    _case_initial,
    _guide_context,
    authenticator_lost,
    authenticator_lost_confirm,
    freeze,
    freeze_confirm,
    freeze_request,
    identity_correct,
    identity_detail,
    identity_document,
    identity_new,
    identity_resubmit_link,
    password_reset,
    password_reset_code,
    password_reset_sent,
)
from recovery.views.staff import (
    _desk_context,
    _staff_only,
    staff_case,
    staff_case_claim,
    staff_cases,
    staff_document,
)

__all__ = [
    "PasswordResetView",
    "_case_context",
    "_case_initial",
    "_desk_context",
    "_field_errors",
    "_guide_context",
    "_image_response",
    "_staff_only",
    "authenticator_lost",
    "authenticator_lost_confirm",
    "freeze",
    "freeze_confirm",
    "freeze_request",
    "identity_correct",
    "identity_detail",
    "identity_document",
    "identity_new",
    "identity_resubmit_link",
    "password_reset",
    "password_reset_code",
    "password_reset_sent",
    "staff_case",
    "staff_case_claim",
    "staff_cases",
    "staff_document",
]
