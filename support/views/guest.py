"""Guest (signed-out) pages: email code sign-in, the guest's inquiries."""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from core.captcha import CaptchaField
from core.errors import ApplicationError
from support import conf, selectors, services
from support.views._common import (
    GUEST_NEXT_SESSION_KEY,
    GUEST_SESSION_KEY,
    _form_page,
    _guest_email,
    _lang,
    _thread_page,
)

# --------------------------------------------------------------------------- guests


class GuestEmailForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)
    captcha = CaptchaField()


class GuestCodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Confirmation code"), max_length=12)


def guest_start(request: HttpRequest) -> HttpResponse:
    form = GuestEmailForm(request.POST or None)
    form.fields["captcha"].request = request  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        try:
            address = services.guest_code_send(email=form.cleaned_data["email"], request=request)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            request.session["support_guest_pending"] = address
            return redirect("support:guest_verify")
    return render(request, "support/guest_start.html", {"form": form, "next": request.GET.get("category", "")})


def guest_verify(request: HttpRequest) -> HttpResponse:
    address = request.session.get("support_guest_pending", "")
    if not address:
        return redirect("support:guest_start")
    form = GuestCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = services.guest_code_verify(email=address, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.cycle_key()
            request.session[GUEST_SESSION_KEY] = {"email": confirmed, "until": time.time() + conf.guest_session_ttl()}
            request.session.pop("support_guest_pending", None)
            # back to the pre-filled form the guest was sent to (only our own guest form paths)
            after = str(request.session.pop(GUEST_NEXT_SESSION_KEY, "") or "")
            if after.startswith(reverse("support:guest_new", args=["x"]).rsplit("x/", 1)[0]):
                return redirect(after)
            return redirect("support:guest_home")
    return render(request, "support/guest_verify.html", {"form": form, "address": address})


def _require_guest(request: HttpRequest) -> str:
    email = _guest_email(request)
    if not email:
        raise _GuestRedirect
    return email


class _GuestRedirect(Exception):
    pass


def guest_view(view: Any) -> Any:
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)  # type: ignore[no-any-return]
        except _GuestRedirect:
            return redirect("support:guest_start")

    wrapper.__name__ = view.__name__
    return wrapper


@guest_view
def guest_home(request: HttpRequest) -> HttpResponse:
    email = _require_guest(request)
    language = _lang()
    page = selectors.inquiries_for_guest(email=email, cursor=request.GET.get("cursor"))
    categories = selectors.categories_for_customer(guest=True)
    return render(
        request,
        "support/guest_home.html",
        {"email": email, "page": page, "categories": [(c, c.name(language)) for c in categories]},
    )


@guest_view
def guest_new(request: HttpRequest, slug: str) -> HttpResponse:
    email = _require_guest(request)
    return _form_page(request, selectors.category_by_slug(slug, guest=True), guest_email=email)


@guest_view
def guest_inquiry(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    email = _require_guest(request)
    inquiry = selectors.inquiry_for_guest(email=email, inquiry_id=inquiry_id)
    return _thread_page(request, inquiry, guest_email=email)
