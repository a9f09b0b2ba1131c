"""Template tags the base layout uses: the announcement banner on every page."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

from ..context_processors import announcements as announcement_context

register = template.Library()


@register.simple_tag(takes_context=True)
def announcement_banner(context: Any) -> str:
    """Renders helpcenter/_banner.html (maintenance, incidents; sign-in notice on the sign-in page)."""
    request = context.get("request")
    if request is None:
        return ""
    data = announcement_context(request)
    if not data["help_announcements"]:
        return ""
    return render_to_string("helpcenter/_banner.html", data, request=request)
