"""Rebuild the help-centre search index from the articles (after an analyser upgrade or a
bulk import), then optimise it."""

from typing import Any

from django.core.management.base import BaseCommand

from helpcenter.internal.index import optimize_index, reindex_all


class Command(BaseCommand):
    help = "Rebuild and optimise the help-centre search index."

    def handle(self, *args: Any, **options: Any) -> None:
        count = reindex_all()
        optimize_index()
        self.stdout.write(f"indexed {count} article translations")
