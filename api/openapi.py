"""The published OpenAPI documents: error responses, security schemes and enums.

``DocumentedAPI`` is a NinjaAPI whose document
- lists the error contract (``ErrorOut``: ``{"error": {"code", "message", "fields"}}``) for
  every operation: 400 always, 401 for operations that need a credential, 403, 404, 429
  (rate limits) and 503, plus ``default``;
- names the enums of fields whose values are fixed (currencies, statuses), also where an
  app's schema declares a plain string;
- lists every error code: ``ErrorBody.code`` is an enum of the registry's codes
  (``core.errors.error_code_registry()``), and one schema per domain (``WalletErrorCode``, …)
  gives each code's condition (``x-enum-varnames``, ``x-enum-descriptions``; the same table is
  docs/api.md's "Error codes", ``core.error_catalogue``);
and is checked by openapi-spec-validator and schemathesis in api/tests/.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ninja import NinjaAPI

ERROR_SCHEMA: dict[str, Any] = {
    "title": "ErrorOut",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "title": "ErrorBody",
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "stable code, one per condition: the domains' schemas (CommonErrorCode, "
                    "WalletErrorCode, …) and docs/api.md (Error codes) say when each is answered",
                },
                "message": {"type": "string", "description": "in the caller's language (Accept-Language; ja default)"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "description": "field name → messages; empty when the error is not about one field",
                },
            },
        }
    },
}
ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
ERRORS = {
    "400": "bad input (validation_failed, out_of_range, two_factor_invalid, …); nothing was changed",
    "401": "not_authenticated, or two_factor_required for a sensitive action",
    "403": "permission_denied, account_frozen, withdrawal_hold, insufficient_scope, …",
    "404": "not_found (also for another customer's object)",
    "429": "rate_limited",
    "503": "the service is unavailable (maintenance, a dependency down)",
}


def _enums() -> dict[tuple[str, str], list[str]]:
    """(schema, property) → values, for fields whose app schema declares a plain string."""
    from chat.models import ChatStatus, Sender
    from recovery.models import IdentityCase
    from support.models import Status as InquiryStatus
    from wallet.models import Currency, Withdrawal

    inquiry = [str(v) for v in InquiryStatus.values]
    return {
        ("CaseOut", "status"): [str(v) for v in IdentityCase.Status.values],
        ("InquiryCreatedOut", "status"): inquiry,
        ("InquirySummaryOut", "status"): inquiry,
        ("InquiryOut", "status"): inquiry,
        ("CurrencyBalanceOut", "currency"): [str(v) for v in Currency.values],
        ("WithdrawalOut", "status"): [str(v) for v in Withdrawal.Status.values],
        ("MeOut", "language"): ["ja", "en"],
        ("ChatStateOut", "status"): [str(v) for v in ChatStatus.values],
        ("ChatMessageOut", "sender"): [str(v) for v in Sender.values],
    }


def error_schemas() -> dict[str, dict[str, Any]]:
    """``ErrorOut`` with ``ErrorBody.code`` an enum of every registered code, and one schema
    per domain's enum."""
    from core import error_catalogue

    error_out = copy.deepcopy(ERROR_SCHEMA)
    error_out["properties"]["error"]["properties"]["code"]["enum"] = error_catalogue.all_codes()
    return {"ErrorOut": error_out, **error_catalogue.openapi_schemas()}


def document(schema: dict[str, Any], *, enums: Callable[[], dict[tuple[str, str], list[str]]] = _enums) -> None:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(error_schemas())  # ErrorOut: the same shape as api.schemas.ErrorOut, with descriptions
    for (name, prop), values in enums().items():
        target = schemas.get(name, {}).get("properties", {}).get(prop)
        if target is not None and "enum" not in target and target.get("type") == "string":
            target["enum"] = values
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "put", "post", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            needs_auth = bool(operation.get("security"))
            for status, description in ERRORS.items():
                if status == "401" and not needs_auth:
                    continue
                responses.setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}
                )
            responses.setdefault(
                "default",
                {
                    "description": "any other error, in the same shape",
                    "content": {"application/json": {"schema": ERROR_REF}},
                },
            )


class DocumentedAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        document(schema)
        return schema
