"""``wallet_header_total``: the customer's total assets in JPY for the header, computed only
when a template reads it and only for a signed-in customer who chose to show it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def header_total(request: HttpRequest) -> dict[str, Any]:
    def compute() -> Decimal | None:
        from .selectors import overview_for_user

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not getattr(user, "show_total_in_header", False):
            return None
        memo = getattr(request, "_wallet_overview", None)
        if memo is None:
            memo = overview_for_user(user)
            request._wallet_overview = memo  # type: ignore[attr-defined]
        return memo.net_assets_jpy

    return {"wallet_header_total": SimpleLazyObject(compute)}
