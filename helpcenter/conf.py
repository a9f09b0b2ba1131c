"""helpcenter settings, read lazily: ``getattr(settings, "MADOGUCHI_HELP_<NAME>", default)``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, reverse

# Where the troubleshooter and articles send people. Each value is a URL name tried first
# and a path used when that name does not exist (apps land independently).
_FLOW_DEFAULTS: dict[str, tuple[str, str]] = {
    "signup": ("account_signup", "/accounts/signup/"),
    "password_reset": ("account_reset_password", "/accounts/password/reset/"),
    "recovery": ("recovery:authenticator_lost", "/recovery/authenticator-lost/"),
    "freeze": ("recovery:freeze_request", "/recovery/freeze/request/"),
    "identity": ("recovery:identity_new", "/recovery/identity/"),
    "status": ("helpcenter:status", "/status/"),
    "inquiry": ("support:new", "/support/new/"),
    "article": ("helpcenter:article", "/help/articles/{slug}/"),
}


def _get(name: str, default: Any) -> Any:
    return getattr(settings, f"MADOGUCHI_HELP_{name}", default)


def url_for_flow(key: str, **kwargs: str) -> str:
    override = _get("FLOW_URLS", {}).get(key)
    if override:
        return str(override).format(**kwargs)
    name, path = _FLOW_DEFAULTS[key]
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return path.format(**kwargs)


def inquiry_category_slug() -> str:
    """The support category for sign-in trouble (the inquiry form's ``category`` value)."""
    return str(_get("SIGNIN_INQUIRY_CATEGORY", "sign_in"))


def vote_rate_limit() -> tuple[int, int]:
    """(votes, seconds) per client address."""
    return tuple(_get("VOTE_RATE_LIMIT", (30, 3600)))  # type: ignore[return-value]


def search_rate_limit() -> tuple[int, int]:
    """(queries, seconds) per client address for the public search API."""
    return tuple(_get("SEARCH_RATE_LIMIT", (600, 60)))  # type: ignore[return-value]


def announcement_lead_days() -> int:
    """How many days before a planned maintenance the banner starts showing it."""
    return int(_get("ANNOUNCEMENT_LEAD_DAYS", 7))


def synonyms_file() -> str | None:
    """Optional path of a synonyms file replacing the shipped one (see internal/synonyms.txt)."""
    value = _get("SYNONYMS_FILE", None)
    return str(value) if value else None
