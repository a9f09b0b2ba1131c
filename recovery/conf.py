"""Recovery settings, read lazily (override any of them in the environment-driven settings)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Password reset (product §3)
    "RESET_LINK_HOURS": 24,
    "RESET_HOLD_HOURS": 24,
    # "I can't use my authenticator" (product §4a): 24–72 h, operator setting
    "SELF_SERVICE_HOLD_HOURS": 72,
    "SELF_SERVICE_LINK_MINUTES": 30,
    # Freeze links (product §4c)
    "FREEZE_LINK_DAYS": 7,
    # Identity-verified cases (product §4b)
    "IDENTITY_HOLD_HOURS": 72,
    # review target for identity cases: promised on the page, SLA in the staff list
    "IDENTITY_REVIEW_HOURS": 48,
    "SECOND_APPROVER": False,
    "RETENTION_DAYS": 30,
    "RESUBMIT_DAYS": 14,
    "IDENTITY_BACKEND": "recovery.backends.IdSelfieReviewBackend",
    "SELFIE_MAX_BYTES": 15 * 1024 * 1024,
    "SELFIE_MAX_PIXELS": 50_000_000,
    "SELFIE_MIN_SIDE": 720,
}


def get(name: str) -> Any:
    return getattr(settings, f"MADOGUCHI_RECOVERY_{name}", DEFAULTS[name])
