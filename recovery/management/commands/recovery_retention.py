from typing import Any

from django.core.management.base import BaseCommand

from recovery.services import identity_retention_run


class Command(BaseCommand):
    help = "Close abandoned identity cases and delete ID images past the retention period."

    def handle(self, *args: Any, **options: Any) -> None:
        result = identity_retention_run()
        self.stdout.write(f"closed={result['closed']} images_deleted={result['images_deleted']}")
