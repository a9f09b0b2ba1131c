"""Markdown rendering (sanitised with nh3) and plain-text extraction for indexing."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import markdown
import nh3
from django.conf import settings

ALLOWED_TAGS = {
    "a",
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t\r\f\v]+")


def self_hosted(url: str) -> bool:
    """True for an image address on this site: a path ("/static/help/x.png", "x.png") or an
    absolute URL under SITE_URL. Other hosts, protocol-relative ("//host") and backslash
    tricks ("/\\host") are refused: an article must not make readers' browsers call out."""
    value = url.strip()
    if not value or "\\" in value or any(ord(ch) < 0x21 for ch in value) or value.startswith("//"):
        return False
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        site = settings.SITE_URL.rstrip("/")
        return bool(site) and parts.scheme in {"http", "https"} and value.startswith(site + "/")
    return True


def _attribute_filter(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src" and not self_hosted(value):
        return None  # the image shows nothing instead of loading from another site
    return value


def render_markdown(source: str) -> str:
    """Markdown -> HTML that is safe to show: scripts, event handlers, javascript: URLs and
    images from other sites removed (the page's CSP allows images from this origin only)."""
    raw = markdown.markdown(source, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        attribute_filter=_attribute_filter,
    )


def html_to_text(fragment: str) -> str:
    text = _TAG.sub(" ", fragment.replace("</p>", "\n").replace("</li>", "\n").replace("<br", "\n<br"))
    return _SPACE.sub(" ", html.unescape(text)).strip()


def markdown_to_text(source: str) -> str:
    return html_to_text(render_markdown(source))
