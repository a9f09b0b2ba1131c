"""The staff gate's own pages (enrol a second factor, confirm it for this session) and the
admin's sign-in, which is the product's sign-in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.models import User

from . import staff
from .errors import ApplicationError


def _staff_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated or not user.is_staff or not user.is_active:
        raise Http404
    return user


@never_cache
@login_required
def staff_enrol(request: HttpRequest) -> HttpResponse:
    user = _staff_user(request)
    next_url = staff.safe_next(request)
    if staff.second_factor_enrolled(user):
        return redirect(next_url)
    return render(request, "core/staff_enrol.html", {"next": next_url}, status=403)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def staff_verify(request: HttpRequest) -> HttpResponse:
    from mfa.forms import CodeForm

    user = _staff_user(request)
    next_url = staff.safe_next(request)
    if not staff.second_factor_enrolled(user):
        return redirect(f"{reverse('core:staff_enrol')}?{urlencode({'next': next_url})}")
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            staff.staff_second_factor_verify(user=user, request=request, **form.step_up())
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect(next_url)
    return render(
        request,
        "core/staff_verify.html",
        {
            "form": form,
            "error": error,
            "next": next_url,
            "has_authenticator": True,
            "has_passkey": staff.passkey_enrolled(user),
        },
        status=400 if error else 200,
    )


@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """Replaces the admin's password form: GET or POST, nobody is signed in here. Staff sign
    in through the product (password, then the second factor) and come back."""
    next_url = staff.safe_next(request, default=staff.admin_prefix())
    if request.user.is_authenticated:
        if not request.user.is_staff:
            raise Http404
        return HttpResponseRedirect(next_url)
    return HttpResponseRedirect(staff.login_url_for(next_url))


def admin_password_change(request: HttpRequest) -> HttpResponse:
    """The admin's own password form would change a password with the old one alone; staff
    change it where customers do, with the product's checks."""
    return HttpResponseRedirect(reverse("madoguchi_mfa:security"))
