"""Signed-in customer pages: contact page, callback request, my inquiries, new inquiry, the
thread, close, freeze, suggestions, attachments."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import phonenumbers
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.phone import display_phone
from core.errors import ApplicationError
from support import conf, selectors, services
from support.presenters import (
    channel_dict,
)
from support.views._common import (
    GUEST_NEXT_SESSION_KEY,
    _form_page,
    _guest_email,
    _lang,
    _prefill_query,
    _serve,
    _thread_page,
    signed_in_user,
)

# --------------------------------------------------------------------------- contact


def _display_phone(e164: str) -> str:
    try:
        return display_phone(e164) if e164 else ""
    except phonenumbers.NumberParseException:  # an odd stored number is still shown as it is
        return e164


def _tel(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit() or ch == "+")


def _contact_context(request: HttpRequest, *, values: dict[str, str], errors: dict[str, list[str]]) -> dict[str, Any]:
    language = _lang()
    channels = [channel_dict(s, language) for s in selectors.contact_channels()]
    phone_open = any(c["channel"] == "phone" and c["open_now"] for c in channels)
    signed_in = request.user.is_authenticated
    number = conf.phone_number()
    return {
        "channels": channels,
        "closures": selectors.upcoming_closures(),
        "language": language,
        "phone_number": number,
        "phone_tel": _tel(number),
        "callback_open": phone_open,
        "callback_slots": selectors.callback_slots() if phone_open and signed_in else [],
        "callback_topics": [(c.slug, c.name(language)) for c in selectors.categories_for_customer(guest=False)]
        if signed_in
        else [],
        "callback_values": {"phone": _display_phone(getattr(request.user, "phone", "") or ""), "preferred": "asap"}
        | values,
        "callback_errors": errors,
        "callbacks": selectors.callbacks_for_customer(user=request.user),
    }


def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "support/contact.html", _contact_context(request, values={}, errors={}))


@login_required
@require_POST
def callback_request(request: HttpRequest) -> HttpResponse:
    """The contact page's "call me back" form (phone hours only; the service decides)."""
    values = {k: str(request.POST.get(k, ""))[:60] for k in ("phone", "preferred", "topic")}
    try:
        callback = services.callback_request(
            customer=request.user,
            phone=values["phone"],
            preferred=values["preferred"],
            category_slug=values["topic"],
            request=request,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        context = _contact_context(request, values=values, errors=exc.fields)
        return render(request, "support/contact.html", context, status=exc.status if exc.status >= 400 else 400)
    messages.success(
        request,
        _("Thank you. We will call you back (%(ref)s). You can follow it in your inquiries.")
        % {"ref": callback.inquiry.reference},
    )
    return redirect(reverse("support:contact") + "#callback")


# --------------------------------------------------------------------------- customer portal


@login_required
def my_inquiries(request: HttpRequest) -> HttpResponse:
    page = selectors.inquiries_for_customer(user=signed_in_user(request), cursor=request.GET.get("cursor"))
    return render(request, "support/my_inquiries.html", {"page": page, "language": _lang()})


def new_inquiry(request: HttpRequest) -> HttpResponse:
    """The category chooser; a link that names a category (the troubleshooter, a help
    article) goes straight to that form, carrying what pre-fills it: signed in to the form,
    a guest through the email confirmation when the category takes guests, else to sign-in."""
    language = _lang()
    guest = not request.user.is_authenticated
    wanted = request.GET.get("category", "")
    if wanted:
        category = selectors.category_or_none(wanted, guest=False)
        if category is not None:
            query = _prefill_query(request)
            form_url = reverse("support:new_form", args=[category.slug]) + query
            if not guest:
                return redirect(form_url)
            if category.guest_allowed:
                guest_url = reverse("support:guest_new", args=[category.slug]) + query
                if _guest_email(request):
                    return redirect(guest_url)
                request.session[GUEST_NEXT_SESSION_KEY] = guest_url
                return redirect(reverse("support:guest_start") + "?" + urlencode({"category": category.slug}))
            return redirect(reverse("account_login") + "?" + urlencode({"next": form_url}))
    categories = selectors.categories_for_customer(guest=False)
    return render(
        request,
        "support/new_choose.html",
        {
            "categories": [(c, c.name(language)) for c in categories],
            "guest": guest,
            "language": language,
        },
    )


@login_required
def new_inquiry_form(request: HttpRequest, slug: str) -> HttpResponse:
    return _form_page(request, selectors.category_by_slug(slug))


@login_required
def inquiry_detail(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    user = signed_in_user(request)
    inquiry = selectors.inquiry_for_customer(user=user, inquiry_id=inquiry_id)
    return _thread_page(request, inquiry, user=user)


@login_required
@require_POST
def inquiry_close(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    inquiry = selectors.inquiry_for_customer(user=request.user, inquiry_id=inquiry_id)
    services.inquiry_close_customer(inquiry=inquiry, user=signed_in_user(request))
    messages.success(request, _("The inquiry was closed."))
    return redirect("support:inquiry", inquiry_id=inquiry.pk)


@login_required
@require_POST
def freeze_now(request: HttpRequest) -> HttpResponse:
    """The immediate-freeze offer on security inquiries (signed-in customer)."""
    inquiry = None
    if request.POST.get("inquiry"):
        inquiry = selectors.inquiry_for_customer(user=request.user, inquiry_id=request.POST["inquiry"])
    frozen = services.inquiry_freeze_offer_accept(user=request.user, inquiry=inquiry, request=request)
    if frozen:
        messages.success(request, _("Your account is frozen. Trading, withdrawals and security changes are stopped."))
    else:
        messages.info(request, _("Your account was already frozen."))
    return redirect(reverse("support:inquiry", args=[inquiry.pk]) if inquiry else reverse("support:mine"))


def suggest(request: HttpRequest) -> JsonResponse:
    results = selectors.suggest_articles(query=request.GET.get("q", ""), language=_lang(), limit=5)
    return JsonResponse({"results": results})


@never_cache
def attachment(request: HttpRequest, token: str) -> FileResponse:
    """Attachments are reachable only by the inquiry's customer (or confirmed guest) and by
    staff who can see its queue; anyone else gets 404."""
    user = request.user
    if user.is_authenticated and selectors.is_support_staff(user):
        try:
            return _serve(selectors.attachment_for_staff(user=user, token=token))
        except Http404:
            pass
    if user.is_authenticated:
        try:
            return _serve(selectors.attachment_for_customer(user=user, token=token))
        except Http404:
            pass
    email = _guest_email(request)
    if email:
        return _serve(selectors.attachment_for_guest(email=email, token=token))
    raise Http404
