"""The customer's wallet display preferences."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User
from core.audit import audit_log


def header_total_set(*, user: User, show: bool, request: HttpRequest | None = None) -> None:
    if user.show_total_in_header == show:
        return
    user.show_total_in_header = show
    user.save(update_fields=["show_total_in_header"])
    audit_log(
        user=user,
        event="wallet.header_total_changed",
        request=request,
        data={"show": show},
        visible_to_customer=False,
    )
