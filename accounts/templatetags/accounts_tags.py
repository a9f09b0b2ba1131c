from django import template

from accounts.events import event_label

register = template.Library()


@register.filter
def audit_label(event: str) -> str:
    return event_label(event)
