"""Template tags the base layout uses (header total, home panel) and the money filters.

Filters: ``{{ value|jpy }}`` ``{{ value|crypto }}`` ``{{ value|amount:"BTC" }}``
``{{ ratio|maintenance_ratio }}`` ``{{ ratio|leverage }}``.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django import template
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.fragments import memo_render
from core.memo import LocalLRU

from .. import formatting

register = template.Library()
_header_totals: LocalLRU[str] = LocalLRU(1024)
_panels: LocalLRU[str] = LocalLRU(1024)


def _na() -> str:
    return _("N/A")


@register.filter
def jpy(value: Any) -> str:
    if value is None or value == "":
        return _na()
    return formatting.format_jpy(value)


@register.filter
def jpy_rate(value: Any) -> str:
    if value is None or value == "":
        return _na()
    return formatting.format_jpy(value, places=3)


@register.filter
def crypto(value: Any) -> str:
    if value is None or value == "":
        return _na()
    return formatting.format_crypto(value)


@register.filter
def amount(value: Any, currency: str) -> str:
    if value is None or value == "":
        return _na()
    return formatting.format_amount(value, str(currency))


@register.filter
def maintenance_ratio(value: Any) -> str:
    return formatting.format_percent(value, na=_na())


@register.filter
def leverage(value: Any) -> str:
    # Translators: suffix of a leverage ratio, e.g. "2x" (ja: "2倍").
    return formatting.format_leverage(value, suffix=_("x"), na=_na())


def _overview(context: Any) -> Any:
    """One computation per request, shared by the header and the home panel."""
    from ..selectors import overview_for_user

    request = context.get("request")
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return None
    memo = getattr(request, "_wallet_overview", None) if request is not None else None
    if memo is None:
        memo = overview_for_user(user)
        if request is not None:
            request._wallet_overview = memo
    return memo


@register.simple_tag(takes_context=True)
def header_total(context: Any) -> str:
    user = context.get("user")
    if user is None or not user.is_authenticated or not getattr(user, "show_total_in_header", False):
        return ""
    overview = _overview(context)
    total = overview.net_assets_jpy if overview else Decimal(0)
    return memo_render(
        _header_totals, (total,), lambda: render_to_string("wallet/_header_total.html", {"net_assets_jpy": total})
    )


@register.simple_tag(takes_context=True)
def home_panel(context: Any) -> str:
    from ..selectors import home_context_for_user

    user = context.get("user")
    if user is None or not user.is_authenticated:
        return ""
    panel_context = home_context_for_user(user, overview=_overview(context))
    # Rendering is most of the home page's cost. The panel depends only on its context, the
    # language and the time zone (withdrawal times are shown in local time), so its HTML is
    # kept under a digest of exactly those inputs (changed figures give another key, never
    # stale HTML): in the process first, then in the shared cache for the other processes.
    # The other context entries are parts of the overview: its repr covers them all.
    inputs = f"{translation.get_language()}|{timezone.get_current_timezone_name()}|{panel_context['overview']!r}"
    digest = hashlib.sha256(inputs.encode()).hexdigest()

    def render_shared() -> str:
        key = f"wallet:home-panel:{digest}"
        html = cache.get(key)
        if html is None:
            html = render_to_string("wallet/home_panel.html", panel_context)
            cache.set(key, html, timeout=300)
        return str(html)

    return memo_render(_panels, (digest,), render_shared)
