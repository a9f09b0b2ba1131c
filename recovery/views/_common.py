"""Helpers shared by the customer and staff pages: form errors from an ApplicationError,
serving an identity document image."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse

from core.errors import ApplicationError
from core.uploads import private_file_response
from recovery import services
from recovery.messages import PRECHECK_MESSAGES, REJECTION_REASONS
from recovery.models import IdentityCase, IdentityDocument


def _field_errors(form: Any, error: ApplicationError) -> None:
    if error.fields:
        for name, messages in error.fields.items():
            target = name if name in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        form.add_error(None, error.message)


def _case_context(case: IdentityCase) -> dict[str, Any]:
    return {
        "case": case,
        "reference": services.case_reference(case),
        "reasons": [REJECTION_REASONS[r] for r in case.rejection_reasons if r in REJECTION_REASONS],
        "warnings": [PRECHECK_MESSAGES[w] for w in case.warnings if w in PRECHECK_MESSAGES],
        "correctable": services.correction_allowed(case),
    }


def _image_response(document: IdentityDocument) -> FileResponse:
    extension = str(document.file.name).rsplit(".", 1)[-1]
    return private_file_response(
        document.file, content_type=document.content_type, filename=f"id-selfie-{document.pk}.{extension}"
    )
