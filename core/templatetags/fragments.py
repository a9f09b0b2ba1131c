"""``{% fragment input1 input2 … %}…{% endfragment %}``: a piece of template rendered once
per process for each set of inputs (core/fragments.py).

Every variable the fragment's content uses must be listed as an input; the language and time
zone are added by themselves. ``{% csrf_token %}`` may be used inside: it is never cached.
Do not put ``{% block %}`` inside a fragment of a base template (children would share it).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token

from ..fragments import CSRF_SLOT, memo_render
from ..memo import LocalLRU

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist: NodeList, inputs: list[FilterExpression]) -> None:
        self.nodelist = nodelist
        self.inputs = inputs
        self.store: LocalLRU[str] = LocalLRU()

    def render(self, context: Any) -> str:
        csrf_token = context.get("csrf_token")
        has_token = csrf_token not in (None, "", "NOTPROVIDED")
        values = (has_token, *(str(expression.resolve(context)) for expression in self.inputs))

        def render_content() -> str:
            if not has_token:
                return str(self.nodelist.render(context))
            with context.push(csrf_token=CSRF_SLOT):
                return str(self.nodelist.render(context))

        return memo_render(self.store, values, render_content, csrf_token=csrf_token)


@register.tag("fragment")
def do_fragment(parser: Parser, token: Token) -> FragmentNode:
    bits = token.split_contents()[1:]
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, [parser.compile_filter(bit) for bit in bits])
