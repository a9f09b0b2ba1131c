"""Template tags the base layout uses. The wallet app fills them in (header total, home panel)."""

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def header_total(context: dict[str, Any]) -> str:
    return ""


@register.simple_tag(takes_context=True)
def home_panel(context: dict[str, Any]) -> str:
    return ""
