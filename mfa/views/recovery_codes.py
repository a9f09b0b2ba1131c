"""Recovery codes: regenerate, download the new ones once, mark them saved."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.users import signed_in_user
from mfa import forms, selectors, services
from mfa.views._common import NEW_CODES_KEY, _error, _keep_new_codes, _new_codes


@never_cache
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    form = forms.CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.recovery_codes_regenerate(user=signed_in_user(request), request=request, **form.step_up())
        except ApplicationError as exc:
            _error(request, form, exc)
        else:
            _keep_new_codes(request, codes)
            return redirect("madoguchi_mfa:recovery_codes")
    new_codes = _new_codes(request)
    state = selectors.two_factor_state(signed_in_user(request))
    return render(
        request,
        "madoguchi_mfa/recovery_codes.html",
        {"form": form, "new_codes": new_codes, "state": state, "has_passkey": bool(state["passkeys"])},
    )


@never_cache
@login_required
def recovery_codes_download(request: HttpRequest) -> HttpResponse:
    codes = _new_codes(request)
    if not codes:
        return redirect("madoguchi_mfa:recovery_codes")
    text = "\n".join(
        [
            _("madoguchi recovery codes (each works once). Keep them somewhere safe."),
            getattr(request.user, "email", ""),
            "",
            *codes,
        ]
    )
    response = HttpResponse(text + "\n", content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="madoguchi-recovery-codes.txt"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def recovery_codes_saved(request: HttpRequest) -> HttpResponse:
    request.session.pop(NEW_CODES_KEY, None)
    return redirect("madoguchi_mfa:security")
