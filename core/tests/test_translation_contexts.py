"""One English word, two Japanese ones: msgctxt keeps each app's meaning.

recovery's identity form says "Address" for where the customer lives (住所); the wallet says
"Address" for a crypto address (アドレス). Without contexts the first catalogue that has the
msgid wins for every app (recovery is installed before wallet), and the withdrawal form
showed 「住所」.
"""

from __future__ import annotations

from django.utils import translation


def test_recovery_address_is_postal_and_wallet_address_is_crypto():
    from recovery.templatetags.recovery_tags import field_label
    from wallet import forms

    with translation.override("ja"):
        assert field_label("address") == "住所"
        labels = [
            str(field.label)
            for form in vars(forms).values()
            if isinstance(form, type) and hasattr(form, "base_fields")
            for name, field in form.base_fields.items()
            if name in ("address", "address_id")
        ]
        assert labels and set(labels) == {"アドレス"}
        assert translation.gettext("Address") == "アドレス"  # the unqualified word (wallet tables)
    with translation.override("en"):
        assert field_label("address") == "Address"
