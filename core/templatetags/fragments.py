"""``{% fragment input1 input2 … %}…{% endfragment %}``: a piece of template rendered once
per process for each set of inputs (core/fragments.py).

The content is rendered with its declared inputs only (fail closed): a variable it uses but
did not declare is not in its context and renders as empty, so it can never cache one
customer's value for the next. Inputs are plain variable paths (``user.is_staff``,
``request.get_full_path``); each is resolved from the page's context and given to the
content under the same path. The language and time zone are in the key by themselves.
``{% csrf_token %}`` may be used inside: it is never cached. Do not put ``{% block %}``
inside a fragment of a base template (children would share it).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token

from ..fragments import CSRF_SLOT, memo_render
from ..memo import LocalLRU

register = template.Library()


def _declared_context(paths: list[str], values: list[Any]) -> dict[str, Any]:
    """Nested dicts holding exactly the declared values: ``user.is_staff`` -> ``{"user":
    {"is_staff": …}}`` (the template engine looks dict keys up first)."""
    root: dict[str, Any] = {}
    for path, value in sorted(zip(paths, values, strict=True), key=lambda item: item[0].count(".")):
        *parents, leaf = path.split(".")
        node: Any = root
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):  # the whole object is declared: it supplies the rest
                break
        else:
            node[leaf] = value
    return root


class FragmentNode(template.Node):
    def __init__(self, nodelist: NodeList, inputs: list[FilterExpression]) -> None:
        self.nodelist = nodelist
        self.inputs = inputs
        self.paths = [str(expression.var) for expression in inputs]
        self.store: LocalLRU[str] = LocalLRU()

    def render(self, context: Any) -> str:
        csrf_token = context.get("csrf_token")
        has_token = csrf_token not in (None, "", "NOTPROVIDED")
        resolved = [expression.resolve(context) for expression in self.inputs]
        # The type is part of the key: False and "False" render differently.
        key = (has_token, *((type(value).__qualname__, str(value)) for value in resolved))

        def render_content() -> str:
            values = _declared_context(self.paths, resolved)
            if has_token:
                values["csrf_token"] = CSRF_SLOT
            # A context with the page's settings (autoescape, template, render state) and
            # none of its variables: only the declared inputs.
            return str(self.nodelist.render(context.new(values)))

        return memo_render(self.store, key, render_content, csrf_token=csrf_token)


@register.tag("fragment")
def do_fragment(parser: Parser, token: Token) -> FragmentNode:
    bits = token.split_contents()[1:]
    inputs = [parser.compile_filter(bit) for bit in bits]
    for bit, expression in zip(bits, inputs, strict=True):
        var = expression.var
        if expression.filters or not isinstance(var, template.Variable) or var.literal is not None:
            raise template.TemplateSyntaxError(f"fragment inputs are variable paths without filters, not {bit!r}")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, inputs)
