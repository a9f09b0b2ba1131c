"""Reset the trading core's push versions, e.g. after the core sent a wrong, huge version.

Balance and rate pushes apply only when their ``version`` is newer than the stored one, so
a bogus version (say ``2**52`` from a bug in the core) would make every later push for that
account (or rate) be ignored. Versions above ``2**53 - 1`` are refused at the API; this
command undoes a bad one that was accepted:

    manage.py wallet_core_version_reset --account 42            # balances and position of one account
    manage.py wallet_core_version_reset --rates                 # every rate
    manage.py wallet_core_version_reset --rates --currency BTC --to 1000

The next push with a version above ``--to`` (default 0) applies again. The figures are not
changed; each reset is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from core.audit import audit_log
from wallet.conf import MAX_VERSION
from wallet.models import Balance, Currency, LeveragePosition, Rate


class Command(BaseCommand):
    help = "Reset the stored trading-core versions of one account's balances, or of the rates."

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--account", type=int, help="account id (as in /internal/v1/accounts/{id}/balances)")
        target.add_argument("--rates", action="store_true", help="reset the rates' versions")
        parser.add_argument("--currency", default="", help="only this currency (default: all)")
        parser.add_argument("--to", type=int, default=0, help="the version to store (default 0)")

    def handle(self, *args: Any, **options: Any) -> None:
        to = options["to"]
        if not 0 <= to <= MAX_VERSION:
            raise CommandError(f"--to must be between 0 and {MAX_VERSION}")
        currency = options["currency"].strip().upper()
        if currency and currency not in Currency.values:
            raise CommandError(f"--currency must be one of {', '.join(Currency.values)}")
        with transaction.atomic():
            if options["rates"]:
                rates = Rate.objects.select_for_update()
                if currency:
                    rates = rates.filter(currency=currency)
                count = rates.update(version=to)
                audit_log(
                    user=None,
                    event="wallet.core_version_reset",
                    data={"target": "rates", "currency": currency or "all", "to": to, "rows": count},
                    visible_to_customer=False,
                )
                self.stdout.write(f"{count} rate(s) reset to version {to}")
                return
            user = get_user_model().objects.filter(pk=options["account"]).first()
            if user is None:
                raise CommandError("no such account")
            balances = Balance.objects.select_for_update().filter(user=user)
            if currency:
                balances = balances.filter(currency=currency)
            count = balances.update(core_version=to)
            positions = 0 if currency else LeveragePosition.objects.filter(user=user).update(core_version=to)
            audit_log(
                user=user,
                event="wallet.core_version_reset",
                data={"target": "balances", "currency": currency or "all", "to": to, "rows": count + positions},
                visible_to_customer=False,
            )
        self.stdout.write(f"account {user.pk}: {count} balance(s) and {positions} position(s) reset to version {to}")
