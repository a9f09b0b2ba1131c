"""Issue, list, rotate and revoke the trading core's service tokens.

    manage.py wallet_service_token issue --name core --scope balances:write --scope rates:write
    manage.py wallet_service_token list
    manage.py wallet_service_token rotate --name core --grace-hours 24
    manage.py wallet_service_token revoke --prefix 1a2b3c4d5e6f

The token is printed once on issue/rotate; only its SHA-256 is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from wallet.internal import tokens
from wallet.models import ServiceToken


class Command(BaseCommand):
    help = "Manage service tokens of the internal API (/internal/v1/)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue")
        issue.add_argument("--name", required=True)
        issue.add_argument("--scope", action="append", required=True, choices=ServiceToken.Scope.values)
        issue.add_argument("--expires-days", type=int, default=None)
        sub.add_parser("list")
        rotate = sub.add_parser("rotate")
        rotate.add_argument("--name", required=True)
        rotate.add_argument("--grace-hours", type=int, default=24)
        revoke = sub.add_parser("revoke")
        revoke.add_argument("--prefix", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "issue":
            expires = timezone.now() + dt.timedelta(days=options["expires_days"]) if options["expires_days"] else None
            row, raw = tokens.issue(name=options["name"], scopes=options["scope"], expires_at=expires)
            self.stdout.write(f"prefix={row.prefix} scopes={','.join(row.scopes)}")
            self.stdout.write(raw)
            self.stderr.write("Store this token now: it is not shown again.")
        elif action == "list":
            now = timezone.now()
            for row in ServiceToken.objects.order_by("name", "created_at"):
                state = "active" if row.is_active(now) else ("revoked" if row.revoked_at else "expired")
                self.stdout.write(
                    f"{row.prefix}\t{row.name}\t{','.join(row.scopes)}\t{state}\t"
                    f"expires={row.expires_at or '-'}\tlast_used={row.last_used_at or '-'}"
                )
        elif action == "rotate":
            try:
                row, raw = tokens.rotate(name=options["name"], grace=dt.timedelta(hours=options["grace_hours"]))
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"prefix={row.prefix} scopes={','.join(row.scopes)}")
            self.stdout.write(raw)
            self.stderr.write(f"Old tokens of {options['name']!r} stop working in {options['grace_hours']} h.")
        elif action == "revoke":
            if not tokens.revoke(prefix=options["prefix"]):
                raise CommandError("no active token with that prefix")
            self.stdout.write("revoked")
