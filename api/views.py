"""allauth's headless OpenAPI document, served as JSON that can actually be encoded.

allauth's own view passes its schema to ``json.dumps``; the schema holds lazy translation
strings (``__proxy__``), so it answered 500. This view renders them as strings.
"""

from __future__ import annotations

import json

from allauth.account.internal.decorators import login_not_required
from allauth.headless.spec.internal.schema import get_schema
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
@login_not_required
def allauth_openapi_json(request: HttpRequest) -> HttpResponse:
    content = json.dumps(get_schema(), cls=DjangoJSONEncoder)
    return HttpResponse(
        content,
        content_type="application/vnd.oai.openapi+json",
        headers={"Content-Disposition": "inline; filename=allauth-openapi.json"},
    )
