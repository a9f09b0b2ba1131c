"""Compare every balance with the sum of its ledger entries; exit 1 on any difference."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wallet.internal.ledger import mismatches


class Command(BaseCommand):
    help = "Check that balances equal the sums of their ledger entries."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = mismatches()
        for problem in problems:
            self.stdout.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} balance(s) differ from the ledger")
        self.stdout.write("ledger ok")
