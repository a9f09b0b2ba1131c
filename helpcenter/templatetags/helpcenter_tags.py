"""Template tags the base layout uses. The help centre fills in the announcement banner."""

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def announcement_banner(context: dict[str, Any]) -> str:
    return ""
