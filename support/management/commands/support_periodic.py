from django.core.management.base import BaseCommand

from support import services


class Command(BaseCommand):
    help = "Flag SLA breaches and close resolved inquiries whose reopen period ended (--recount: rebuild queue counts)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--recount", action="store_true", help="Rebuild the maintained per-queue counts.")

    def handle(self, *args: object, **options: object) -> None:
        flagged = services.sla_breaches_flag()
        closed = services.resolved_close_after_period()
        if options.get("recount"):
            services.queue_counts_rebuild()
        self.stdout.write(f"sla breaches flagged: {flagged}; resolved inquiries closed: {closed}")
