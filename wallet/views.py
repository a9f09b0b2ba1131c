"""Thin HTML views: parse the form, call the service, show its message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError, CommonErrorCode
from core.users import signed_in_user

from . import conf, selectors, services
from .forms import AddressForm, WithdrawalForm

TWO_FACTOR_CODES = {CommonErrorCode.TWO_FACTOR_REQUIRED, CommonErrorCode.TWO_FACTOR_INVALID}
NOTHING_TO_WITHDRAW = gettext_noop(
    "Nothing can be withdrawn now: after the fee, the balance or the remaining limit is below the minimum."
)


@login_required
def balances(request: HttpRequest) -> HttpResponse:
    return render(request, "wallet/balances.html", {})


def _apply_error(form: Any, exc: ApplicationError) -> bool:
    """Attach a service error to the form; returns whether a second factor is being asked for."""
    for field, errors in exc.fields.items():
        target = field if field in form.fields else None
        for error in errors:
            form.add_error(target, error)
    if exc.code == CommonErrorCode.TWO_FACTOR_REQUIRED:
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
                    user=signed_in_user(request),
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
            "addresses": selectors.withdrawal_addresses_for_user(signed_in_user(request)),
            "delay_hours": conf.address_delay_hours(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def address_remove(request: HttpRequest, address_id: int) -> HttpResponse:
    """GET (or a POST without ``confirm``) shows what will be removed; only the confirmed
    POST removes it: no one-tap removal, and it works without JavaScript."""
    address = selectors.withdrawal_address_for_user(signed_in_user(request), address_id)
    if address.removed_at is not None:
        raise Http404
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            services.withdrawal_address_remove(user=signed_in_user(request), address_id=address.pk, request=request)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Address removed."))
        return HttpResponseRedirect(reverse("wallet:addresses"))
    return render(
        request,
        "wallet/address_remove.html",
        {
            "address": address,
            "pending": selectors.pending_withdrawals_to_address_for_user(signed_in_user(request), address.pk),
            "delay_hours": conf.address_delay_hours(),
        },
    )


@login_required
def withdrawals(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "wallet/withdrawals.html",
        {"withdrawals": selectors.withdrawals_for_user(signed_in_user(request), limit=100)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdrawal_cancel(request: HttpRequest, withdrawal_id: int) -> HttpResponse:
    """Confirm page (GET), then the cancel itself (POST with ``confirm``)."""
    withdrawal = selectors.withdrawal_for_user(signed_in_user(request), withdrawal_id)
    if request.method == "POST" and request.POST.get("confirm") == "1":
        try:
            services.withdrawal_cancel(user=signed_in_user(request), withdrawal_id=withdrawal.pk, request=request)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Withdrawal #%(id)s cancelled. The funds are back in your available balance; we emailed you.")
                % {"id": withdrawal.pk},
            )
        return HttpResponseRedirect(reverse("wallet:withdrawals"))
    return render(request, "wallet/withdrawal_cancel.html", {"withdrawal": withdrawal})


def _preview_or_error(
    form: Any, user: Any, *, currency: Any, amount: Any, address_id: Any
) -> selectors.WithdrawalPreview | None:
    try:
        return selectors.withdrawal_preview_for_user(user, currency=currency, amount=amount, address_id=address_id)
    except ApplicationError as exc:
        _apply_error(form, exc)
        return None


@login_required
def withdrawal_new(request: HttpRequest) -> HttpResponse:
    """Three steps, each a plain form post (no JavaScript needed): enter (with a max
    button), preview (fee, amount received, JPY value, remaining limits; the second factor
    is asked for here), confirm. ``withdraw.js`` only adds a live preview on the first step."""
    usable = list(selectors.usable_withdrawal_addresses_for_user(signed_in_user(request)))
    step = "enter"
    preview = None
    form = WithdrawalForm(addresses=usable)
    if request.method == "POST":
        data = request.POST.copy()
        action = data.get("action") or ("confirm" if data.get("code") else "preview")
        if action == "max":
            preview = _preview_or_error(
                form,
                signed_in_user(request),
                currency=data.get("currency"),
                amount=None,
                address_id=data.get("address_id"),
            )
            if preview is not None and preview.max_amount is not None:
                data["amount"] = format(preview.max_amount, "f")
                preview = _preview_or_error(
                    form,
                    signed_in_user(request),
                    currency=preview.currency,
                    amount=data["amount"],
                    address_id=data.get("address_id"),
                )
            data["code"] = ""
            form = WithdrawalForm(data, addresses=usable)
            form.is_valid()
            if preview is not None and preview.max_amount is None:
                form.add_error("amount", _(NOTHING_TO_WITHDRAW))
        else:
            form = WithdrawalForm(data, addresses=usable)
            if form.is_valid():
                cleaned = form.cleaned_data
                preview = _preview_or_error(
                    form,
                    signed_in_user(request),
                    currency=cleaned["currency"],
                    amount=cleaned["amount"],
                    address_id=cleaned["address_id"],
                )
                if action == "confirm" and preview is not None:
                    step = "confirm"
                    try:
                        withdrawal = services.withdrawal_request(
                            user=signed_in_user(request),
                            currency=cleaned["currency"],
                            amount=cleaned["amount"],
                            address_id=cleaned["address_id"],
                            code=cleaned["code"] or None,
                            request=request,
                        )
                    except ApplicationError as exc:
                        if exc.code not in TWO_FACTOR_CODES:
                            step = "enter"
                        _apply_error(form, exc)
                    else:
                        messages.success(
                            request,
                            _("Withdrawal #%(id)s requested. We emailed you and will email again when it is sent.")
                            % {"id": withdrawal.pk},
                        )
                        return HttpResponseRedirect(reverse("wallet:withdrawals"))
                elif action == "preview" and preview is not None and preview.can_submit:
                    step = "confirm"
    overview = selectors.overview_for_user(signed_in_user(request))
    return render(
        request,
        "wallet/withdrawal_new.html",
        {
            "form": form,
            "step": step,
            "need_code": step == "confirm",
            "preview": preview,
            "rules": sorted(conf.withdrawal_rules().items()),
            "balance_rows": [r for r in overview.rows if r.currency != "JPY"],
            "has_addresses": bool(usable),
        },
    )


@login_required
def withdrawal_preview_fragment(request: HttpRequest) -> HttpResponse:
    """The preview panel alone, for the live update on the first step (``withdraw.js``):
    the same selector and template as the no-JavaScript preview step."""
    preview = None
    error = ""
    try:
        preview = selectors.withdrawal_preview_for_user(
            signed_in_user(request),
            currency=request.GET.get("currency"),
            amount=request.GET.get("amount") or None,
            address_id=request.GET.get("address_id") or None,
        )
    except ApplicationError as exc:
        field_messages = [m for messages_ in exc.fields.values() for m in messages_]
        error = field_messages[0] if field_messages else exc.message
    return render(request, "wallet/_withdrawal_preview.html", {"preview": preview, "preview_error": error})


@login_required
@require_POST
def header_total_toggle(request: HttpRequest) -> HttpResponse:
    services.header_total_set(user=signed_in_user(request), show=request.POST.get("show") == "1", request=request)
    return HttpResponseRedirect(reverse("wallet:balances"))
