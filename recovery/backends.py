"""Identity verification is pluggable: MADOGUCHI_RECOVERY_IDENTITY_BACKEND names the class.

The default is the ID-selfie review by staff. An eKYC / My Number card (JPKI) provider can
plug in later: it would verify the card chip's signature out of band and call
``services.identity_case_approve`` with a service actor, or leave the case for staff.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.module_loading import import_string

from . import conf

if TYPE_CHECKING:
    from .models import IdentityCase


class IdentityVerificationBackend:
    name = "base"
    requires_id_selfie = True

    def on_submitted(self, case: IdentityCase, *, request: Any = None) -> None:
        """Called after a (re)submission is stored, inside the transaction."""


class IdSelfieReviewBackend(IdentityVerificationBackend):
    """Staff compare the ID selfie with the registered details (the default)."""

    name = "id_selfie"


def get_backend() -> IdentityVerificationBackend:
    backend: IdentityVerificationBackend = import_string(conf.get("IDENTITY_BACKEND"))()
    return backend
