"""What an email or phone change keeps between its request and its confirmation."""

from __future__ import annotations

from accounts.models import User

PENDING_TTL = 30 * 60


def pending_key(user: User, kind: str) -> str:
    # The key kept its "mfa:" prefix when the flows moved here, so a change pending
    # across the deploy still confirms.
    return f"mfa:pending:{kind}:{user.pk}"


def mask_email(address: str) -> str:
    local, _sep, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
