"""Customer JSON API: balances, withdrawal addresses, withdrawals (mounted at /api/v1/)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from api.auth import customer_auth
from api.schemas import ErrorOut

from . import bounds, selectors, services
from .conf import MAX_ID
from .internal.snapshot import LEVERAGE_AMOUNT_FIELDS, LeverageFigures
from .models import Withdrawal, WithdrawalAddress

router = Router(tags=["wallet"])


def _amount(value: Any) -> str:
    return f"{value:f}"


# Enums published in the OpenAPI document (inputs stay case-insensitive strings).
CurrencyCode = Literal["JPY", "BTC", "ETH", "XRP"]
CryptoCode = Literal["BTC", "ETH", "XRP"]
WithdrawalStatus = Literal["pending", "sent", "failed", "cancelled"]
CRYPTO_INPUT = Field(max_length=8, description="BTC, ETH or XRP", json_schema_extra={"enum": ["BTC", "ETH", "XRP"]})


# --------------------------------------------------------------------------- balances


class CurrencyBalanceOut(Schema):
    currency: CurrencyCode
    available: str = Field(examples=["0.00012300"], description="fixed-point with the currency's places")
    in_use: str
    jpy_value: str | None = Field(description="whole yen, rounded down; null when no rate is known")


class LeverageOut(Schema):
    margin_jpy: str
    margin_btc: str
    withdrawable_jpy: str
    withdrawable_btc: str
    available_jpy: str
    available_btc: str
    debt_jpy: str
    debt_btc: str
    leverage_ratio: str | None
    maintenance_ratio: str | None = Field(description="percent with one decimal; null = N/A (no open position)")


class BalancesOut(Schema):
    net_assets_jpy: str
    currencies: list[CurrencyBalanceOut]
    leverage: LeverageOut


def _leverage_out(position: LeverageFigures | None) -> dict[str, Any]:
    from decimal import ROUND_DOWN, Decimal

    body: dict[str, Any] = {f: _amount(getattr(position, f)) if position else "0" for f in LEVERAGE_AMOUNT_FIELDS}
    ratio = position.leverage_ratio if position else None
    maintenance = position.maintenance_ratio if position else None
    body["leverage_ratio"] = _amount(ratio.normalize()) if ratio is not None else None
    body["maintenance_ratio"] = (
        _amount(maintenance.quantize(Decimal("0.1"), rounding=ROUND_DOWN)) if maintenance is not None else None
    )
    return body


@router.get("/balances", auth=customer_auth, response=BalancesOut, summary="Total assets, balances and leverage")
def balances(request: HttpRequest) -> dict[str, Any]:
    overview = selectors.overview_for_user(request.auth)  # type: ignore[attr-defined]
    return {
        "net_assets_jpy": _amount(overview.net_assets_jpy),
        "currencies": [
            {
                "currency": row.currency,
                "available": bounds.canonical(row.available, row.currency),
                "in_use": bounds.canonical(row.in_use, row.currency),
                "jpy_value": _amount(row.jpy_value) if row.jpy_value is not None else None,
            }
            for row in overview.rows
        ],
        "leverage": _leverage_out(overview.leverage),
    }


# --------------------------------------------------------------------------- addresses


class AddressOut(Schema):
    id: int
    currency: CryptoCode
    address: str
    destination_tag: int | None
    label: str
    created_at: dt.datetime
    usable_at: dt.datetime
    usable: bool


class AddressIn(Schema):
    currency: str = CRYPTO_INPUT
    address: str = Field(max_length=128)
    label: str = Field("", max_length=50)
    destination_tag: str | int | None = None
    code: str | None = Field(None, max_length=32, description="TOTP or recovery code")
    assertion: dict[str, Any] | None = Field(None, description="a fresh WebAuthn assertion instead of a code")


def _address_out(a: WithdrawalAddress) -> dict[str, Any]:
    return {
        "id": a.pk,
        "currency": a.currency,
        "address": a.address,
        "destination_tag": a.destination_tag,
        "label": a.label,
        "created_at": a.created_at,
        "usable_at": a.usable_at,
        "usable": a.is_usable(),
    }


@router.get("/withdrawal-addresses", auth=customer_auth, response=list[AddressOut])
def address_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_address_out(a) for a in selectors.withdrawal_addresses_for_user(request.auth)]  # type: ignore[attr-defined]


@router.post("/withdrawal-addresses", auth=customer_auth, response={201: AddressOut})
def address_add(request: HttpRequest, payload: AddressIn) -> Status[dict[str, Any]]:
    row = services.withdrawal_address_add(
        user=request.auth,  # type: ignore[attr-defined]
        currency=payload.currency,
        address=payload.address,
        label=payload.label,
        destination_tag=payload.destination_tag,
        code=payload.code,
        assertion=payload.assertion,
        request=request,
    )
    return Status(201, _address_out(row))


@router.delete("/withdrawal-addresses/{address_id}", auth=customer_auth, response={204: None})
def address_remove(request: HttpRequest, address_id: int = Path(..., ge=1, le=MAX_ID)) -> Status[None]:
    services.withdrawal_address_remove(user=request.auth, address_id=address_id, request=request)  # type: ignore[attr-defined]
    return Status(204, None)


# --------------------------------------------------------------------------- withdrawals


class WithdrawalOut(Schema):
    id: int
    currency: CryptoCode
    amount: str
    fee: str
    address_id: int
    address: str
    destination_tag: int | None
    status: WithdrawalStatus
    txid: str
    created_at: dt.datetime
    completed_at: dt.datetime | None
    cancelled_by: Literal["customer", "freeze"] | None = Field(
        None, description="who cancelled a cancelled withdrawal; null for every other status"
    )
    cancellable: bool = Field(False, description="still pending: POST …/withdrawals/{id}/cancel can cancel it")


class WithdrawalIn(Schema):
    currency: str = CRYPTO_INPUT
    amount: str = Field(
        max_length=40,
        description='decimal string, e.g. "0.01"; the fee is added. At most the currency\'s places '
        "(BTC/ETH 8, XRP 6) and the plausibility limit (docs/api.md); otherwise 400 validation_failed",
    )
    address_id: int = Field(ge=1, le=MAX_ID)
    code: str | None = Field(None, max_length=32)
    assertion: dict[str, Any] | None = None


def _withdrawal_out(w: Withdrawal) -> dict[str, Any]:
    return {
        "id": w.pk,
        "currency": w.currency,
        "amount": bounds.canonical(w.amount, w.currency),
        "fee": bounds.canonical(w.fee, w.currency),
        "address_id": w.address_id,
        "address": w.address_text,
        "destination_tag": w.destination_tag,
        "status": w.status,
        "txid": w.txid,
        "created_at": w.created_at,
        "completed_at": w.completed_at,
        "cancelled_by": w.cancelled_by or None,
        "cancellable": w.cancellable,
    }


@router.get("/withdrawals", auth=customer_auth, response=list[WithdrawalOut])
def withdrawal_list(request: HttpRequest, limit: int = 50) -> list[dict[str, Any]]:
    return [_withdrawal_out(w) for w in selectors.withdrawals_for_user(request.auth, limit=max(1, min(limit, 200)))]  # type: ignore[attr-defined]


@router.post("/withdrawals", auth=customer_auth, response={201: WithdrawalOut})
def withdrawal_create(request: HttpRequest, payload: WithdrawalIn) -> Status[dict[str, Any]]:
    withdrawal = services.withdrawal_request(
        user=request.auth,  # type: ignore[attr-defined]
        currency=payload.currency,
        amount=payload.amount,
        address_id=payload.address_id,
        code=payload.code,
        assertion=payload.assertion,
        request=request,
    )
    return Status(201, _withdrawal_out(withdrawal))


class PreviewProblemOut(Schema):
    code: str = Field(description="the error code the request would answer (docs/api.md)")
    message: str
    field: str | None


class WithdrawalPreviewOut(Schema):
    currency: CryptoCode
    amount: str | None = Field(description="null when no amount was sent (max only)")
    fee: str
    minimum: str
    total: str | None = Field(description="amount + fee: what leaves the available balance")
    received: str | None = Field(description="what arrives at the address (the fee is added, not deducted)")
    rate_jpy: str | None = Field(description="JPY per unit; null when no rate is known")
    received_jpy: str | None = Field(description="whole yen, rounded down")
    fee_jpy: str | None
    total_jpy: str | None
    available: str
    available_after: str | None
    daily_limit: str | None = Field(description="per JST day; null: no limit")
    daily_remaining: str | None
    daily_remaining_after: str | None
    monthly_limit: str | None = Field(description="per JST calendar month; null: no limit")
    monthly_remaining: str | None
    monthly_remaining_after: str | None
    max_amount: str | None = Field(
        description="available minus the fee, within the remaining limits; null when below the minimum"
    )
    can_submit: bool = Field(description="true when POST /withdrawals with this body (and a code) would succeed now")
    problems: list[PreviewProblemOut]


def _opt(value: Any, currency: str) -> str | None:
    return bounds.canonical(value, currency) if value is not None else None


def _yen(value: Any) -> str | None:
    return _amount(value) if value is not None else None


@router.get(
    "/withdrawals/preview",
    auth=customer_auth,
    response=WithdrawalPreviewOut,
    summary="Fee, amount received, JPY value, remaining limits and the max amount, before requesting",
)
def withdrawal_preview(
    request: HttpRequest,
    currency: str = Query(..., max_length=8, description="BTC, ETH or XRP"),
    amount: str | None = Query(None, max_length=40, description="decimal string; leave out for the max only"),
    address_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> dict[str, Any]:
    p = selectors.withdrawal_preview_for_user(
        request.auth,  # type: ignore[attr-defined]
        currency=currency,
        amount=amount,
        address_id=address_id,
    )
    c = p.currency
    return {
        "currency": c,
        "amount": _opt(p.amount, c),
        "fee": bounds.canonical(p.fee, c),
        "minimum": bounds.canonical(p.minimum, c),
        "total": _opt(p.total, c),
        "received": _opt(p.received, c),
        "rate_jpy": _amount(p.rate) if p.rate is not None else None,
        "received_jpy": _yen(p.received_jpy),
        "fee_jpy": _yen(p.fee_jpy),
        "total_jpy": _yen(p.total_jpy),
        "available": bounds.canonical(p.available, c),
        "available_after": _opt(p.available_after, c),
        "daily_limit": _opt(p.daily_limit, c),
        "daily_remaining": _opt(p.daily_remaining, c),
        "daily_remaining_after": _opt(p.daily_remaining_after, c),
        "monthly_limit": _opt(p.monthly_limit, c),
        "monthly_remaining": _opt(p.monthly_remaining, c),
        "monthly_remaining_after": _opt(p.monthly_remaining_after, c),
        "max_amount": _opt(p.max_amount, c),
        "can_submit": p.can_submit,
        "problems": [{"code": x.code, "message": x.message, "field": x.field} for x in p.problems],
    }


@router.post(
    "/withdrawals/{withdrawal_id}/cancel",
    auth=customer_auth,
    response={200: WithdrawalOut, 409: ErrorOut},
    summary="Cancel a pending withdrawal (funds back to available; no second factor)",
)
def withdrawal_cancel(request: HttpRequest, withdrawal_id: int = Path(..., ge=1, le=MAX_ID)) -> dict[str, Any]:
    withdrawal = services.withdrawal_cancel(user=request.auth, withdrawal_id=withdrawal_id, request=request)  # type: ignore[attr-defined]
    return _withdrawal_out(withdrawal)
