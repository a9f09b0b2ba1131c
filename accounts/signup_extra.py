"""Fields allauth adds to both the HTML sign-up form and the headless sign-up input.

Kept apart from accounts.forms: allauth imports this module while building its own forms.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .phone import normalize_mobile_phone


class SignupExtraForm(forms.Form):
    """Fields allauth adds to both the HTML sign-up form and the headless sign-up input."""

    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=32,
        required=True,
        help_text=_(
            "A Japanese mobile number (070, 080 or 090). We text it a code to confirm it now, "
            "and sign-in codes later. Example: 090-1234-5678"
        ),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self) -> str:
        return normalize_mobile_phone(self.cleaned_data["phone"])

    def signup(self, request: HttpRequest, user: Any) -> None:
        from . import services

        services.signup_complete(user=user, phone=self.cleaned_data.get("phone") or "", request=request)
