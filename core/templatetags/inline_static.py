"""``{% inline_css "core/app.css" %}``: a stylesheet of ours, inlined as ``<style nonce>``.

On a phone network every request costs a round trip (Lighthouse's mobile profile: 562.5 ms),
and a ``<link rel="stylesheet">`` holds the first paint until it arrives: two round trips
before anything shows. The stylesheets are small (a few KB), so inlining them paints with
the HTML alone (benchmarks/pages_phone.py, docs/performance.md). The file is read once per
process (again when it changes, with DEBUG on); the nonce is the response's own, so the
strict CSP stays as it is. Stylesheets must not use relative ``url()``s (none do).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.utils.html import format_html

register = template.Library()

_CACHE: dict[str, tuple[float, str]] = {}
_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def _source(path: str) -> Path:
    """The collected file in production; the app's own file with DEBUG on, or where nothing
    was collected yet (a fresh checkout's test run, ``make run`` before ``collectstatic``)."""
    collected = Path(staticfiles_storage.path(path))
    if settings.DEBUG or not collected.exists():
        found = finders.find(path)
        if found:
            return Path(str(found))
    return collected


def stylesheet_text(path: str) -> str:
    cached = _CACHE.get(path)
    if cached is not None and not settings.DEBUG:
        return cached[1]
    source = _source(path)
    mtime = source.stat().st_mtime
    if cached is None or cached[0] != mtime:
        # Comments document the stylesheet for its readers, not for every page's bytes.
        text = _COMMENT.sub("", source.read_text(encoding="utf-8")).strip()
        if "</" in text:
            raise ValueError(f"{path}: a stylesheet to inline must not contain '</'")
        cached = (mtime, text)
        _CACHE[path] = cached
    return cached[1]


@register.simple_tag(takes_context=True)
def inline_css(context: Any, path: str) -> str:
    # Django's LazyNonce is falsy until first read: str() reads it (and so puts it in the header).
    nonce = context.get("csp_nonce")
    nonce = str(nonce) if nonce is not None else ""
    return format_html('<style nonce="{}">{}</style>', nonce, _Raw(stylesheet_text(path)))


class _Raw(str):
    """Our own stylesheet's text, checked above to hold no ``</``: not escaped."""

    def __html__(self) -> str:
        return str(self)
