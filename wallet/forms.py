from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import CRYPTO_CURRENCIES

CRYPTO_CHOICES = [(c.value, c.label) for c in CRYPTO_CURRENCIES]


class SecondFactorMixin(forms.Form):
    code = forms.CharField(
        label=_("Authentication code"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("The 6-digit code from your authenticator app (or a recovery code)."),
    )


class AddressForm(SecondFactorMixin):
    currency = forms.ChoiceField(label=_("Currency"), choices=CRYPTO_CHOICES)
    address = forms.CharField(
        label=pgettext_lazy("crypto address", "Address"),
        max_length=128,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocapitalize": "off", "autocomplete": "off"}),
    )
    destination_tag = forms.CharField(label=_("Destination tag (XRP)"), required=False, max_length=10)
    label = forms.CharField(label=_("Label"), required=False, max_length=50)

    field_order = ["currency", "address", "destination_tag", "label", "code"]


class WithdrawalForm(SecondFactorMixin):
    currency = forms.ChoiceField(label=_("Currency"), choices=CRYPTO_CHOICES)
    address_id = forms.TypedChoiceField(label=pgettext_lazy("crypto address", "Address"), coerce=int, choices=[])
    amount = forms.CharField(
        label=_("Amount"), max_length=40, widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    )

    field_order = ["currency", "address_id", "amount", "code"]

    def __init__(self, *args: Any, addresses: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["address_id"].choices = [  # type: ignore[attr-defined]
            (a.pk, f"{a.currency} · {a.label or a.address[:12] + '…'} · {a.address[-6:]}") for a in addresses
        ]
