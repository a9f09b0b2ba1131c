"""Create the first operator of a fresh installation.

    manage.py create_operator --email ops@madoguchi.example                 # asks for the password twice
    MADOGUCHI_OPERATOR_PASSWORD=… manage.py create_operator --email … --no-input
    manage.py create_operator --email … --password-file /run/secrets/operator_password [--superuser]

The operator is staff with the ``operator`` role (accounts/roles.py) and a verified email
address, and has no second factor yet: staff must enrol one (an authenticator or a passkey)
at their first sign-in before any staff page opens. The password is read from a prompt,
the environment or a file, checked with the password validators, and never printed.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import roles
from accounts.normalize import normalize_email
from core.audit import audit_log

PASSWORD_ENV = "MADOGUCHI_OPERATOR_PASSWORD"  # noqa: S105 - the variable's name


class Command(BaseCommand):
    help = "Create the first operator (staff, operator role); they enrol a second factor at first sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--password-file", type=Path, help="read the password from this file (first line)")
        parser.add_argument(
            "--superuser",
            action="store_true",
            help="also a Django superuser (all roles and the whole admin; needed to create further staff)",
        )
        parser.add_argument("--full-name", default="", help="shown to colleagues in the staff console")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help=f"never prompt: take the password from --password-file or ${PASSWORD_ENV}",
        )

    def _password(self, options: dict[str, Any]) -> str:
        if options["password_file"]:
            try:
                lines = options["password_file"].read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise CommandError(f"cannot read --password-file: {exc.strerror}") from exc
            return lines[0] if lines else ""
        if os.environ.get(PASSWORD_ENV):
            return os.environ[PASSWORD_ENV]
        if not options["interactive"] or not sys.stdin.isatty():
            raise CommandError(f"no password: pass --password-file, set {PASSWORD_ENV}, or run interactively")
        first = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != first:
            raise CommandError("the passwords do not match")
        return first

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        email = normalize_email(options["email"])
        if "@" not in email:
            raise CommandError("--email is not an email address")
        if user_model.objects.filter(email__iexact=email).exists():
            raise CommandError(f"an account with {email} already exists; nothing was changed")
        password = self._password(options)
        if not password:
            raise CommandError("the password is empty")
        candidate = user_model(email=email, is_staff=True)
        try:
            password_validation.validate_password(password, candidate)
        except ValidationError as exc:
            raise CommandError("the password was refused: " + " ".join(exc.messages)) from exc
        with transaction.atomic():
            user = user_model.objects.create_user(
                email=email,
                password=password,
                is_staff=True,
                is_superuser=bool(options["superuser"]),
                full_name=options["full_name"],
            )
            EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
            names = list(roles.ALL_ROLES) if options["superuser"] else [roles.OPERATOR]
            for name in names:
                group, _created = Group.objects.get_or_create(name=name)
                user.groups.add(group)
            audit_log(
                user=user,
                event="staff.operator_created",
                data={"roles": names, "superuser": bool(options["superuser"])},
                visible_to_customer=False,
            )
        site = getattr(settings, "SITE_URL", "").rstrip("/")
        admin = getattr(settings, "MADOGUCHI_ADMIN_PATH", "admin")
        self.stdout.write(self.style.SUCCESS(f"Operator {email} created (roles: {', '.join(names)})."))
        self.stdout.write(
            "Next:\n"
            f"  1. Sign in at {site}/accounts/login/ with this email and the password you supplied.\n"
            "  2. Enrol a second factor (authenticator app or passkey) when asked: staff pages stay\n"
            "     closed until you do. Store the recovery codes offline.\n"
            f"  3. Open {site}/staff/ (and {site}/{admin}/ for a superuser) to add colleagues and their roles.\n"
            f"  Then remove the password from {PASSWORD_ENV} or the password file."
        )
