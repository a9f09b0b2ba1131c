from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class LetterDigitMixValidator:
    """At least one letter and one digit (operator setting MADOGUCHI_PASSWORD_REQUIRE_MIX, on by default)."""

    def validate(self, password: str, user: Any = None) -> None:
        if not settings.MADOGUCHI_PASSWORD_REQUIRE_MIX:
            return
        if not any(ch.isalpha() for ch in password) or not any(ch.isdigit() for ch in password):
            raise ValidationError(_("Use both letters and digits in your password."), code="password_no_mix")

    def get_help_text(self) -> str:
        return _("Your password must mix letters and digits.")


class MaximumLengthValidator:
    """Long passphrases are welcome; the cap only stops hashing megabytes."""

    max_length = 256

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _("Use at most %(max)d characters.") % {"max": self.max_length}, code="password_too_long"
            )

    def get_help_text(self) -> str:
        return _("Passphrases up to %(max)d characters are allowed.") % {"max": self.max_length}
