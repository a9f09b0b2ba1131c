import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

ORDER = ["accounts", "mfa", "wallet", "support", "helpcenter", "recovery"]


class Command(BaseCommand):
    help = "Load the demo accounts and content (embedded default only; refused when DEBUG is off)."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data is refused when DEBUG is off: its passwords and 2FA secrets are public.")
        for app in ORDER:
            with transaction.atomic():
                importlib.import_module(f"{app}.demo").load()
            self.stdout.write(f"demo data: {app} ok")
