"""Helpers shared by the support view modules: language, uploaded files, the inquiry form and
thread contexts, attachment serving."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ApplicationError
from core.uploads import private_file_response
from core.users import signed_in_user
from support import conf, selectors, services
from support.internal.fields import parse_datetime
from support.models import Attachment, Category, Inquiry
from support.presenters import (
    customer_can_reply,
    jst,
    reopen_until,
)

GUEST_SESSION_KEY = "support_guest"


def _lang() -> str:
    return (translation.get_language() or "ja")[:2]


def _files(request: HttpRequest) -> list[Any]:
    return [f for f in request.FILES.getlist("attachments") if f is not None]


# --------------------------------------------------------------------------- form helpers


def _form_context(
    request: HttpRequest, category: Category, *, values: dict[str, Any], errors: dict[str, list[str]], guest: bool
) -> dict[str, Any]:
    language = _lang()
    specs = selectors.field_specs(category)
    field_rows = [
        {
            "spec": spec,
            "label": spec.label(language),
            "help": spec.help(language),
            "name": f"fields.{spec.key}",
            "value": values.get(f"fields.{spec.key}", ""),
            "errors": errors.get(spec.key, []),
            "choices": [(c.value, c.label(language)) for c in spec.choices],
        }
        for spec in specs
    ]
    if guest:
        # only the confirmed address's own inquiries (the ones the guest pages can open)
        duplicate = selectors.open_inquiry_in_category_for_guest(email=_guest_email(request), category=category)
    else:
        duplicate = selectors.open_inquiry_in_category(user=request.user, category=category)
    return {
        "category": category,
        "category_name": category.name(language),
        "subtopics": [(s.slug, s.name(language)) for s in category.subtopics.all()],
        "field_rows": field_rows,
        "values": values,
        "errors": errors,
        "duplicate": duplicate,
        "guest": guest,
        "max_attachments": conf.max_attachments(),
        "max_mb": conf.max_attachment_bytes() // (1024 * 1024),
        "language": language,
    }


def _submit(request: HttpRequest, category: Category, *, guest_email: str = "") -> Inquiry:
    fields = {k[len("fields.") :]: v for k, v in request.POST.items() if k.startswith("fields.")}
    return services.inquiry_create(
        customer=None if guest_email else signed_in_user(request),
        guest_email=guest_email,
        category_slug=category.slug,
        subtopic_slug=request.POST.get("subtopic", ""),
        fields=fields,
        description=request.POST.get("description", ""),
        attachments=_files(request),
        allow_duplicate=request.POST.get("allow_duplicate") == "1",
        request=request,
    )


def _form_page(request: HttpRequest, category: Category, *, guest_email: str = "") -> HttpResponse:
    """A category's inquiry form for a signed-in customer or (``guest_email``) a confirmed
    guest, pre-filled from the link, and its POST: sent, to the new inquiry; refused, the form
    again with what was typed (the customer's page answers the service's 409/429, a guest's
    always 400)."""
    guest = bool(guest_email)
    values: dict[str, Any] = selectors.inquiry_prefill(category=category, params=request.GET, language=_lang())
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = dict(request.POST.items())
        try:
            inquiry = _submit(request, category, guest_email=guest_email)
        except ApplicationError as exc:
            errors = exc.fields
            messages.error(request, exc.message)
            status = exc.status if not guest and exc.status in (400, 409, 429) else 400
        else:
            messages.success(request, _("Thank you. Your inquiry %(ref)s was received.") % {"ref": inquiry.reference})
            return redirect("support:guest_inquiry" if guest else "support:inquiry", inquiry_id=inquiry.pk)
    context = _form_context(request, category, values=values, errors=errors, guest=guest)
    return render(request, "support/new_form.html", context, status=status)


GUEST_NEXT_SESSION_KEY = "support_guest_next"


def _prefill_query(request: HttpRequest) -> str:
    carried = {k: request.GET[k] for k in request.GET if k in selectors.PREFILL_PARAMS or k.startswith("fields.")}
    carried |= {f"fields.{k}": request.GET[k] for k in ("failing_step",) if k in request.GET}
    return ("?" + urlencode(carried)) if carried else ""


def _thread_context(inquiry: Inquiry, *, guest: bool) -> dict[str, Any]:
    return {
        "inquiry": inquiry,
        "thread": selectors.public_thread(inquiry),
        "can_reply": customer_can_reply(inquiry),
        "reopen_until": reopen_until(inquiry),
        "guest": guest,
        "category_name": inquiry.category.name(_lang()),
        "fields": _field_labels(inquiry),
        "max_attachments": conf.max_attachments(),
        "offers_freeze": inquiry.category.offers_freeze and not guest,
        "already_frozen": bool(inquiry.customer and inquiry.customer.frozen_at),
    }


def _thread_page(
    request: HttpRequest, inquiry: Inquiry, *, user: User | None = None, guest_email: str = ""
) -> HttpResponse:
    """An inquiry's thread for its customer (``user``) or confirmed guest (``guest_email``),
    and the reply form's POST: sent, back to the thread; refused, the thread again (400)."""
    guest = user is None
    status = 200
    if request.method == "POST":
        try:
            services.inquiry_reply_customer(
                inquiry=inquiry,
                user=user,
                guest_email=guest_email,
                body=request.POST.get("body", ""),
                attachments=_files(request),
                request=request,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = 400
        else:
            messages.success(request, _("Your reply was sent."))
            return redirect("support:guest_inquiry" if guest else "support:inquiry", inquiry_id=inquiry.pk)
    return render(request, "support/inquiry.html", _thread_context(inquiry, guest=guest), status=status)


def _jst_text(value: str) -> str:
    moment = parse_datetime(value)
    return f"{jst(moment)} JST" if moment else value


def _field_labels(inquiry: Inquiry) -> list[tuple[str, str]]:
    language = _lang()
    specs = {s.key: s for s in selectors.field_specs(inquiry.category)}
    rows = []
    for key, value in (inquiry.fields or {}).items():
        spec = specs.get(key)
        label = spec.label(language) if spec else key
        if spec and spec.choices:
            value = next((c.label(language) for c in spec.choices if c.value == value), value)
        elif spec and spec.kind == "datetime":
            value = _jst_text(value)
        rows.append((label, str(value)))
    return rows


# --------------------------------------------------------------------------- attachments


def staff_only(view: Any) -> Any:
    """Support staff only (the support console and the chat queue); a 404 for anyone else."""

    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.is_support_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)  # type: ignore[no-any-return]

    wrapper.__name__ = view.__name__
    return wrapper


def _serve(att: Attachment) -> FileResponse:
    return private_file_response(att.file, content_type=att.content_type, filename=att.display_name)


def _guest_email(request: HttpRequest) -> str:
    data = request.session.get(GUEST_SESSION_KEY) or {}
    if not isinstance(data, dict) or data.get("until", 0) < time.time():
        return ""
    return str(data.get("email", ""))
