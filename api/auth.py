"""Customer authentication for /api/v1: allauth headless X-Session-Token, or the browser
session cookie (with CSRF on unsafe methods)."""

from __future__ import annotations

from typing import Any

from allauth.headless.contrib.ninja.security import XSessionTokenAuth
from django.http import HttpRequest
from ninja.security import SessionAuth


class SessionTokenAuth(XSessionTokenAuth):
    # Published in the OpenAPI document (allauth's class only names the type).
    openapi_in = "header"
    openapi_name = "X-Session-Token"
    openapi_description = "allauth headless session token (meta.session_token of POST /_allauth/app/v1/auth/login)"

    def __call__(self, request: HttpRequest) -> Any:
        user = super().__call__(request)
        if user is not None and user.is_active:
            request.user = user
            return user
        return None


class BrowserSessionAuth(SessionAuth):
    openapi_description = "the browser session cookie; unsafe methods also need the CSRF token (X-CSRFToken)"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


customer_auth = [SessionTokenAuth(), BrowserSessionAuth()]
