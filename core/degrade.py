"""Degrade, don't crash: what a visitor gets when something fails.

- Pages: styled 404/500/503 pages in the visitor's language (templates/404.html, 500.html,
  503.html), rendered with no request context, so they render with the database and the
  cache down.
- /api/v1 and /internal/v1 (and allauth's /_allauth/): the error contract
  ``{"error": {"code", "message", "fields"}}`` for every 404 and 500, unknown routes included.
- A dependency outage (Redis as cache or broker unreachable) is a 503 with Retry-After, not
  a 500. What fails soft and what fails closed is decided per use (docs/operations.md):
  data that comes from the database (help centre, status page, sessions) is served from the
  database; rate limits, captcha replay guards and 2FA replay keys fail CLOSED: the request
  is refused with this 503 rather than let through unchecked.
"""

from __future__ import annotations

from typing import Any

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .errors import CommonErrorCode, CoreErrorCode, ErrorCode

logger = structlog.get_logger("madoguchi.degrade")
JSON_PREFIXES = ("/api/", "/internal/", "/_allauth/")
RETRY_AFTER_SECONDS = 30


def is_dependency_outage(exc: BaseException | None) -> str | None:
    """'cache' or 'broker' when ``exc`` (or its cause) is an unreachable Redis/broker."""
    seen = 0
    while exc is not None and seen < 5:
        module = type(exc).__module__
        if module.startswith("redis"):
            import redis.exceptions

            if isinstance(exc, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)):
                return "cache"
        if module.startswith("kombu"):
            import kombu.exceptions

            if isinstance(exc, kombu.exceptions.OperationalError):
                return "broker"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def wants_json(request: HttpRequest | None) -> bool:
    return request is not None and request.path.startswith(JSON_PREFIXES)


def _language(request: HttpRequest | None) -> str:
    from .middleware import LANGUAGE_COOKIE, SUPPORTED, browser_language

    if request is None:
        return settings.LANGUAGE_CODE
    if wants_json(request):
        return browser_language(request) or settings.LANGUAGE_CODE
    chosen = request.COOKIES.get(LANGUAGE_COOKIE, "")
    if chosen in SUPPORTED:
        return chosen
    active = getattr(request, "LANGUAGE_CODE", "")
    return active if active in SUPPORTED else settings.LANGUAGE_CODE


def error_response(request: HttpRequest | None, status: int, code: ErrorCode) -> HttpResponse:
    """The error page or the JSON error body for ``status`` (404, 500 or 503)."""
    language = _language(request)
    request_id = getattr(request, "request_id", "") if request is not None else ""
    with translation.override(language):
        messages = {
            404: _("Not found."),
            500: _("Something went wrong. Please try again in a few minutes."),
            503: _("This service is briefly unavailable. Please try again in a few minutes."),
        }
        if wants_json(request):
            response: HttpResponse = JsonResponse(
                {"error": {"code": code, "message": str(messages[status]), "fields": {}}}, status=status
            )
        else:
            html = render_to_string(f"{status}.html", {"request_id": request_id, "LANGUAGE_CODE": language})
            response = HttpResponse(html, status=status, content_type="text/html; charset=utf-8")
    response["Content-Language"] = language
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error_response(request: HttpRequest | None, exc: BaseException | None) -> HttpResponse:
    from . import metrics

    dependency = is_dependency_outage(exc)
    if dependency:
        metrics.SERVICE_UNAVAILABLE.labels(dependency).inc()
        logger.warning("dependency_unavailable", dependency=dependency, path=getattr(request, "path", ""))
        return error_response(request, 503, CoreErrorCode.SERVICE_UNAVAILABLE)
    return error_response(request, 500, CoreErrorCode.SERVER_ERROR)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return error_response(request, 404, CommonErrorCode.NOT_FOUND)


def server_error(request: HttpRequest) -> HttpResponse:
    import sys

    return server_error_response(request, sys.exc_info()[1])


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if wants_json(request):
        with translation.override(_language(request)):
            body = {
                "error": {
                    "code": CoreErrorCode.BAD_REQUEST,
                    "message": _("The request could not be read."),
                    "fields": {},
                }
            }
        return JsonResponse(body, status=400)
    from django.views.defaults import bad_request as django_bad_request

    return django_bad_request(request, exception)
