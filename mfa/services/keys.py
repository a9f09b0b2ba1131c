"""Encryption key rotation for TOTP secrets and recovery-code seeds."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db import transaction


def secrets_rotate(*, dry_run: bool = False, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt TOTP secrets and recovery-code seeds with the primary key.

    Each row is locked and rewritten in its own short transaction, so sign-ins
    keep working while the command runs.
    """
    from mfa.adapter import secret_box

    box = secret_box()
    checked = rotated = 0
    ids = list(
        Authenticator.objects.filter(type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]).values_list(
            "pk", flat=True
        )
    )
    for start in range(0, len(ids), batch_size):
        for pk in ids[start : start + batch_size]:
            with transaction.atomic():
                row = Authenticator.objects.select_for_update().filter(pk=pk).first()
                if row is None:
                    continue
                checked += 1
                changed = False
                data = dict(row.data)
                for field in ("secret", "seed"):
                    value = data.get(field)
                    if isinstance(value, str) and box.needs_rotation(value):
                        data[field] = box.rotate(value)
                        changed = True
                migrated = data.get("migrated_codes")
                if isinstance(migrated, list) and any(box.needs_rotation(c) for c in migrated):
                    data["migrated_codes"] = [box.rotate(c) for c in migrated]
                    changed = True
                if changed:
                    rotated += 1
                    if not dry_run:
                        row.data = data
                        row.save(update_fields=["data"])
    return {"checked": checked, "rotated": rotated}
