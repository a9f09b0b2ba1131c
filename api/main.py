"""The JSON API for the mobile apps (/api/v1) and the trading core (/internal/v1)."""

from __future__ import annotations

from typing import Any

import structlog
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from core.errors import ApplicationError, CommonErrorCode, validation_failed

from .errors import ApiErrorCode
from .openapi import DocumentedAPI

logger = structlog.get_logger("madoguchi.api")


def _error(api: NinjaAPI, request: HttpRequest, error: ApplicationError) -> HttpResponse:
    if error.status == 400:
        # Every refused input is logged: the code and the field names, never the values.
        logger.info("api.refused", code=error.code, path=request.path, fields=sorted(error.fields))
    return api.create_response(request, error.as_dict(), status=error.status)


def _field_errors(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for item in errors:
        location = [
            str(part) for part in item.get("loc", []) if part not in {"body", "query", "path", "form", "payload"}
        ]
        name = ".".join(location) or "non_field"
        fields.setdefault(name, []).append(_("This field is missing or invalid.") if item.get("type") else str(item))
    return fields


def install_error_contract(api: NinjaAPI) -> None:
    @api.exception_handler(ApplicationError)
    def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        return _error(api, request, exc)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return _error(api, request, validation_failed(_field_errors(exc.errors)))

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _error(
            api, request, ApplicationError(CommonErrorCode.NOT_AUTHENTICATED, _("Please sign in."), status=401)
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _error(api, request, ApplicationError(CommonErrorCode.NOT_FOUND, _("Not found."), status=404))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return _error(api, request, ApplicationError(ApiErrorCode.HTTP_ERROR, str(exc), status=exc.status_code))

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        # Never an HTML page or a traceback: a 500 (or a 503 while Redis is down) in the
        # contract's shape, logged with the request id (core/degrade.py).
        from core.degrade import is_dependency_outage, server_error_response

        if not is_dependency_outage(exc):
            logger.error("api.unhandled_exception", path=request.path, exc_info=exc)
        return server_error_response(request, exc)


api = DocumentedAPI(
    title="madoguchi API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    description="Customer API for the madoguchi mobile apps. Errors: {error: {code, message, fields}}.",
)
install_error_contract(api)

internal_api = DocumentedAPI(
    title="madoguchi internal API",
    version="1",
    urls_namespace="internal",
    # The trading core's contract is published to operators (DEBUG or manage.py), not to the internet.
    openapi_url="/openapi.json" if settings.DEBUG else None,
    docs_url=None,
    description="Trading core → madoguchi. Service tokens only.",
)
install_error_contract(internal_api)


def _mount() -> None:
    from accounts.api import router as accounts_router
    from chat.api import router as chat_router
    from core.api import router as core_router
    from helpcenter.api import router as help_router
    from mfa.api import router as mfa_router
    from recovery.api import router as recovery_router
    from support.api import router as support_router
    from wallet.api import router as wallet_router
    from wallet.internal_api import router as wallet_internal_router

    api.add_router("/", core_router)
    api.add_router("/", accounts_router)
    api.add_router("/", mfa_router)
    api.add_router("/", recovery_router)
    api.add_router("/", support_router)
    api.add_router("/", help_router)
    api.add_router("/", chat_router)
    api.add_router("/", wallet_router)
    internal_api.add_router("/", wallet_internal_router)


_mount()
