from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recovery.messages import REJECTION_REASONS

register = template.Library()

FIELD_LABELS = {
    "full_name": _("Full name"),
    "full_name_kana": _("Full name (kana)"),
    # "Address" alone is also a crypto address (wallet): the context keeps 住所 here only.
    "address": pgettext_lazy("postal address", "Address"),
    "date_of_birth": _("Date of birth"),
    "registered_phone": _("Phone number"),
    "phone_changed": _("My phone number has changed"),
    "new_phone": _("New phone number"),
    "emails": _("Email address"),
}


@register.filter
def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


@register.filter
def reason_label(code: str) -> str:
    return str(REJECTION_REASONS.get(code, code))


@register.filter
def display_phone(e164: str) -> str:
    import phonenumbers

    from accounts.phone import display_phone as _display

    try:
        return _display(e164) if e164 else ""
    except phonenumbers.NumberParseException:  # a malformed stored value is shown as it is
        return e164


@register.filter
def join_if_list(value: object) -> str:
    """A corrected value as text: lists (email addresses) joined, booleans as yes/no."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return "" if value is None else str(value)
