"""``helpcenter.context_processors.announcements``: the banner data for any template."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language

from . import selectors


def _sign_in_path() -> str:
    try:
        return reverse("account_login")
    except NoReverseMatch:
        return "/accounts/login/"


def announcements(request: HttpRequest) -> dict[str, Any]:
    lang = "en" if (get_language() or "ja").startswith("en") else "ja"
    data = selectors.announcements_public()  # one cache read serves both questions
    items = selectors.banner_announcements(data=data)
    maintenance = selectors.sign_in_maintenance(data=data)
    return {
        "help_announcements": [
            {
                "id": a.pk,
                "kind": a.kind,
                "is_maintenance": a.is_maintenance,
                "active": a.is_active(),
                "title": a.title(lang),
                "starts_at": a.starts_at,
                "ends_at": a.ends_at,
            }
            for a in items
        ],
        "help_sign_in_maintenance": maintenance,
        "help_on_sign_in_page": request.path == _sign_in_path(),
    }
