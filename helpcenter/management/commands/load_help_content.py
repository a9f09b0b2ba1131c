"""Load the shipped help-centre articles (``helpcenter/content/``) into any database.

    manage.py load_help_content                # new articles and translations only
    manage.py load_help_content --overwrite    # also replace translations staff have edited
    manage.py load_help_content --directory /srv/help-content

This is content, not demo data: it runs with DEBUG off, and re-running it is safe (it never
duplicates an article and, without --overwrite, keeps every translation staff have edited).
It uses the same loader as the embedded default's demo data (helpcenter.services.content_import).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from helpcenter.internal import content as content_files
from helpcenter.models import Article
from helpcenter.services import content_import


class Command(BaseCommand):
    help = "Load the shipped help articles and categories (idempotent; production content, not demo data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--directory", type=Path, default=None, help="content folder (default: the shipped one)")
        parser.add_argument("--overwrite", action="store_true", help="replace translations that already exist")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["directory"] or content_files.CONTENT_DIR
        if not (directory / "categories.txt").is_file():
            raise CommandError(f"{directory} has no categories.txt: not a help-content folder")
        before = Article.objects.count()
        try:
            with transaction.atomic():
                written = content_import(directory=directory, overwrite=options["overwrite"])
        except (ValueError, KeyError) as exc:  # a malformed article: nothing is loaded
            raise CommandError(f"help content not loaded (nothing changed): {exc!r}") from exc
        created = Article.objects.count() - before
        self.stdout.write(
            f"help content: {created} new article(s), {written} translation(s) written, "
            f"{Article.objects.count()} article(s) in total"
        )
