from typing import Any

from django.conf import settings
from django.http import HttpRequest

# The header's sections, by path prefix (longest first). The section marks the current
# navigation link and decides whether the header shows the total assets: only on the
# money pages (home and wallet), never on support, help or security pages.
_SECTIONS = (
    ("/account/activity/", "activity"),
    ("/security/", "security"),
    ("/wallet/", "wallet"),
    ("/staff/", "staff"),
    ("/support/", "help"),
    ("/help/", "help"),
    ("/contact/", "help"),
    ("/status/", "help"),
    ("/recovery/", "help"),
)
MONEY_SECTIONS = frozenset({"home", "wallet"})


def nav_section(path: str) -> str:
    if path == "/":
        return "home"
    for prefix, section in _SECTIONS:
        if path.startswith(prefix):
            return section
    return ""


def site(request: HttpRequest) -> dict[str, Any]:
    section = nav_section(request.path)
    return {
        "SITE_URL": settings.SITE_URL,
        "language_offer": getattr(request, "language_offer", None),
        "DEBUG": settings.DEBUG,
        "nav_section": section,
        "show_header_total": section in MONEY_SECTIONS,
    }
