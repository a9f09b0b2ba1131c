from django import template
from django.utils.translation import gettext_lazy as _

from recovery.messages import REJECTION_REASONS

register = template.Library()

FIELD_LABELS = {
    "full_name": _("Full name"),
    "full_name_kana": _("Full name (kana)"),
    "address": _("Address"),
    "date_of_birth": _("Date of birth"),
    "registered_phone": _("Phone number"),
    "emails": _("Email address"),
}


@register.filter
def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


@register.filter
def reason_label(code: str) -> str:
    return str(REJECTION_REASONS.get(code, code))
