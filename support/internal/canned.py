"""Canned-reply placeholder rendering (pure).

Only the known ``{name}`` placeholders are replaced; everything else is left as typed, so
an operator-edited template can never reach attributes or format specs the way
``str.format`` would (``{user.password}``, ``{0.__class__}``) and a customer-supplied value
containing braces is not expanded a second time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDERS = ("customer_name", "reference", "agent_name", "category", "portal_url")
_PATTERN = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


def render(template: str, values: Mapping[str, str]) -> str:
    return _PATTERN.sub(lambda m: str(values.get(m.group(1), "")), template)


def unknown_placeholders(template: str) -> list[str]:
    """Placeholder-looking names that are not supported (shown to the operator editing)."""
    found = re.findall(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}", template)
    return sorted({name for name in found if name not in PLACEHOLDERS})
