"""Thin HTML views: parse the form, call the service, show its message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError

from . import conf, selectors, services
from .forms import AddressForm, WithdrawalForm

TWO_FACTOR_CODES = {"two_factor_required", "two_factor_invalid"}


@login_required
def balances(request: HttpRequest) -> HttpResponse:
    return render(request, "wallet/balances.html", {})


def _apply_error(form: Any, exc: ApplicationError) -> bool:
    """Attach a service error to the form; returns whether a second factor is being asked for."""
    for field, errors in exc.fields.items():
        target = field if field in form.fields else None
        for error in errors:
            form.add_error(target, error)
    if exc.code == "two_factor_required":
        return True  # the code prompt itself asks for it
    if not exc.fields or exc.code in TWO_FACTOR_CODES:
        form.add_error(None, exc.message)
    return exc.code in TWO_FACTOR_CODES


@login_required
def addresses(request: HttpRequest) -> HttpResponse:
    need_code = False
    if request.method == "POST":
        form = AddressForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                row = services.withdrawal_address_add(
                    user=request.user,
                    currency=data["currency"],
                    address=data["address"],
                    label=data["label"],
                    destination_tag=data["destination_tag"] or None,
                    code=data["code"] or None,
                    request=request,
                )
            except ApplicationError as exc:
                need_code = _apply_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Address saved. For your protection it can be used after %(hours)s hours; we emailed you.")
                    % {"hours": conf.address_delay_hours()},
                )
                return HttpResponseRedirect(reverse("wallet:addresses") + f"#address-{row.pk}")
    else:
        form = AddressForm()
    return render(
        request,
        "wallet/addresses.html",
        {
            "form": form,
            "need_code": need_code,
            "addresses": selectors.withdrawal_addresses_for_user(request.user),
            "delay_hours": conf.address_delay_hours(),
        },
    )


@login_required
@require_POST
def address_remove(request: HttpRequest, address_id: int) -> HttpResponse:
    services.withdrawal_address_remove(user=request.user, address_id=address_id, request=request)
    messages.success(request, _("Address removed."))
    return HttpResponseRedirect(reverse("wallet:addresses"))


@login_required
def withdrawals(request: HttpRequest) -> HttpResponse:
    return render(
        request, "wallet/withdrawals.html", {"withdrawals": selectors.withdrawals_for_user(request.user, limit=100)}
    )


@login_required
def withdrawal_new(request: HttpRequest) -> HttpResponse:
    usable = list(selectors.usable_withdrawal_addresses_for_user(request.user))
    need_code = False
    if request.method == "POST":
        form = WithdrawalForm(request.POST, addresses=usable)
        if form.is_valid():
            data = form.cleaned_data
            try:
                withdrawal = services.withdrawal_request(
                    user=request.user,
                    currency=data["currency"],
                    amount=data["amount"],
                    address_id=data["address_id"],
                    code=data["code"] or None,
                    request=request,
                )
            except ApplicationError as exc:
                need_code = _apply_error(form, exc)
            else:
                messages.success(
                    request,
                    _("Withdrawal #%(id)s requested. We emailed you and will email again when it is sent.")
                    % {"id": withdrawal.pk},
                )
                return HttpResponseRedirect(reverse("wallet:withdrawals"))
    else:
        form = WithdrawalForm(addresses=usable)
    overview = selectors.overview_for_user(request.user)
    return render(
        request,
        "wallet/withdrawal_new.html",
        {
            "form": form,
            "need_code": need_code,
            "rules": sorted(conf.withdrawal_rules().items()),
            "balance_rows": [r for r in overview.rows if r.currency != "JPY"],
            "has_addresses": bool(usable),
        },
    )


@login_required
@require_POST
def header_total_toggle(request: HttpRequest) -> HttpResponse:
    services.header_total_set(user=request.user, show=request.POST.get("show") == "1", request=request)
    return HttpResponseRedirect(reverse("wallet:balances"))
