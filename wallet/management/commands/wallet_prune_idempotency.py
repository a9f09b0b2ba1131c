"""Delete stored internal-API answers older than --days (default 30). A replay older than
that is still harmless: versions and the withdrawal state machine ignore it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from wallet.models import IdempotencyRecord


class Command(BaseCommand):
    help = "Prune stored Idempotency-Key answers of the internal API."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - dt.timedelta(days=max(1, options["days"]))
        deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"deleted {deleted}")
