from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "SITE_URL": settings.SITE_URL,
        "language_offer": getattr(request, "language_offer", None),
        "DEBUG": settings.DEBUG,
    }
