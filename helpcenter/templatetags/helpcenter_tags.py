"""Template tags the base layout uses: the announcement banner on every page."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

from core.fragments import memo_render
from core.memo import LocalLRU

from ..context_processors import announcements as announcement_context

register = template.Library()
_rendered: LocalLRU[str] = LocalLRU(64)


@register.simple_tag(takes_context=True)
def announcement_banner(context: Any) -> str:
    """Renders helpcenter/_banner.html (maintenance, incidents; sign-in notice on the sign-in page)."""
    request = context.get("request")
    if request is None:
        return ""
    data = announcement_context(request)
    if not data["help_announcements"]:
        return ""
    maintenance = data["help_sign_in_maintenance"]
    inputs = (
        tuple(tuple(sorted(item.items())) for item in data["help_announcements"]),
        (maintenance.pk, maintenance.ends_at) if maintenance else None,
        data["help_on_sign_in_page"],
    )
    return memo_render(_rendered, inputs, lambda: render_to_string("helpcenter/_banner.html", data, request=request))
