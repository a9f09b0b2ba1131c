"""Markdown rendering (sanitised with nh3) and plain-text extraction for indexing."""

from __future__ import annotations

import html
import re

import markdown
import nh3

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


def render_markdown(source: str) -> str:
    """Markdown -> HTML that is safe to show: scripts, event handlers, javascript: URLs removed."""
    raw = markdown.markdown(source, extensions=["tables", "sane_lists"], output_format="html")
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def html_to_text(fragment: str) -> str:
    text = _TAG.sub(" ", fragment.replace("</p>", "\n").replace("</li>", "\n").replace("<br", "\n<br"))
    return _SPACE.sub(" ", html.unescape(text)).strip()


def markdown_to_text(source: str) -> str:
    return html_to_text(render_markdown(source))
