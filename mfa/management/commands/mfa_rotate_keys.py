"""Re-encrypt every stored 2FA secret with the newest key (MADOGUCHI_MFA_ENCRYPTION_KEYS[0]).

Idempotent and safe to re-run; also encrypts secrets stored before encryption was
configured. See docs/mfa.md for the rotation procedure.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mfa import services


class Command(BaseCommand):
    help = "Re-encrypt TOTP secrets and recovery-code seeds with the newest encryption key."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count what would change.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.secrets_rotate(dry_run=bool(options["dry_run"]))
        self.stdout.write(f"checked={result['checked']} rotated={result['rotated']} dry_run={options['dry_run']}")
