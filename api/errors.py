"""The codes the API layer itself answers (besides ``core.errors.CommonErrorCode``)."""

from __future__ import annotations

from core.errors import ErrorCode


class ApiErrorCode(ErrorCode):
    """Answers of the framework around the endpoints (django-ninja)."""

    HTTP_ERROR = "http_error"  # another refusal the framework raises as an HTTP error; the status says which
