"""Internal API for the trading core, mounted at ``/internal/v1/``.

Authentication: ``Authorization: Bearer mdgs_...`` service tokens only (stored hashed,
scoped). Session cookies and customer session tokens are never looked at, so a customer
credential answers 401; a service token without the endpoint's scope answers 403.

Idempotency: every PUT needs an ``Idempotency-Key`` header. The answer is stored with a
hash of the request; a replay gets the stored answer and changes nothing, the same key with
another body is refused (409 ``idempotency_conflict``). Independently of the key, balance
and rate pushes carry a monotonically increasing ``version``: a row never goes back to an
older version, so even a replay without the stored key changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.security import HttpBearer
from pydantic import BeforeValidator

from core.errors import ApplicationError, CommonErrorCode

from . import bounds, services
from .conf import MAX_ID, MAX_VERSION
from .errors import WalletErrorCode
from .internal import tokens
from .internal.ledger import NegativeBalance
from .models import IdempotencyRecord, ServiceToken, Withdrawal


def _no_float(value: Any) -> Any:
    if isinstance(value, float | bool):
        raise ValueError("amounts are decimal strings, never floats")
    return value


Amount = Annotated[Decimal, BeforeValidator(_no_float), Field(ge=0, max_digits=28, decimal_places=8)]
Ratio = Annotated[Decimal, BeforeValidator(_no_float), Field(ge=0, max_digits=14, decimal_places=4)] | None
# 1 <= version <= 2**53 - 1: a version beyond that is a 400, never a 500 or a poisoned row.
Version = Annotated[int, Field(ge=1, le=MAX_VERSION, description="monotonically increasing; 1 to 2**53 - 1")]
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


class ServiceTokenAuth(HttpBearer):
    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ServiceToken | None:
        row = tokens.authenticate(token)
        if row is None:
            return None
        if self.scope not in row.scopes:
            raise ApplicationError(
                WalletErrorCode.INSUFFICIENT_SCOPE, f"this token lacks the {self.scope} scope", status=403
            )
        request.service_token = row  # type: ignore[attr-defined]
        return row


router = Router(tags=["internal"])


# --------------------------------------------------------------------------- idempotency


def _idempotent(
    request: HttpRequest, payload: Schema, apply: Callable[[], tuple[int, dict[str, Any]]]
) -> tuple[int, dict[str, Any]]:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 100:
        raise ApplicationError(WalletErrorCode.IDEMPOTENCY_KEY_REQUIRED, "send an Idempotency-Key header (1-100 chars)")
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "body": payload.model_dump(mode="json")},
        sort_keys=True,
        separators=(",", ":"),
    )
    digest = hashlib.sha256(canonical.encode()).hexdigest()

    def stored() -> tuple[int, dict[str, Any]] | None:
        record = IdempotencyRecord.objects.filter(key=key).first()
        if record is None:
            return None
        if record.request_hash != digest:
            raise ApplicationError(
                WalletErrorCode.IDEMPOTENCY_CONFLICT, "this Idempotency-Key was used for another request", status=409
            )
        return record.status_code, {**record.response, "replayed": True}

    previous = stored()
    if previous is not None:
        return previous
    try:
        with transaction.atomic():
            status, body = apply()
            IdempotencyRecord.objects.create(
                key=key,
                token=request.service_token,  # type: ignore[attr-defined]
                request_hash=digest,
                status_code=status,
                response=body,
            )
    except IntegrityError:
        # The same key was applied concurrently and committed first: answer like a replay.
        previous = stored()
        if previous is None:
            raise
        return previous
    return status, {**body, "replayed": False}


# --------------------------------------------------------------------------- balances


class BalanceIn(Schema):
    currency: str = Field(max_length=8)
    available: Amount
    in_use: Amount


class LeverageIn(Schema):
    margin_jpy: Amount
    margin_btc: Amount
    withdrawable_jpy: Amount
    withdrawable_btc: Amount
    available_jpy: Amount
    available_btc: Amount
    debt_jpy: Amount
    debt_btc: Amount
    leverage_ratio: Ratio = None
    maintenance_ratio: Ratio = Field(None, description="percent; null while no position is open")


class BalancesIn(Schema):
    version: Version
    balances: list[BalanceIn] = Field(max_length=16)
    leverage: LeverageIn | None = None
    withdrawals_seen_up_to: int = Field(
        0, ge=0, le=MAX_ID, description="highest withdrawal id already reflected in these figures"
    )


class BalanceOut(Schema):
    currency: str
    available: str
    in_use: str
    version: int


class BalancesOut(Schema):
    applied: bool
    replayed: bool
    balances: list[BalanceOut]


def _balances_body(user: Any, applied: bool) -> dict[str, Any]:
    rows = user.wallet_balances.order_by("currency")
    return {
        "applied": applied,
        "balances": [
            {
                "currency": b.currency,
                "available": bounds.canonical(b.available, b.currency),
                "in_use": bounds.canonical(b.in_use, b.currency),
                "version": b.core_version,
            }
            for b in rows
        ],
    }


@router.put(
    "/accounts/{account_id}/balances",
    auth=ServiceTokenAuth(ServiceToken.Scope.BALANCES_WRITE),
    response={200: BalancesOut},
)
def put_balances(request: HttpRequest, account_id: RowId, payload: BalancesIn) -> Status[dict[str, Any]]:
    bounds.check_push_balances(payload.balances, payload.leverage)
    user = get_user_model().objects.filter(pk=account_id).first()
    if user is None:
        raise ApplicationError(CommonErrorCode.NOT_FOUND, "no such account", status=404)

    def apply() -> tuple[int, dict[str, Any]]:
        applied = services.core_balances_apply(
            user=user,
            version=payload.version,
            balances=[
                services.BalancePush(currency=b.currency.upper(), available=b.available, in_use=b.in_use)
                for b in payload.balances
            ],
            leverage=services.LeveragePush(**payload.leverage.model_dump()) if payload.leverage else None,
            withdrawals_seen_up_to=payload.withdrawals_seen_up_to,
        )
        return 200, _balances_body(user, applied)

    return Status(*_idempotent(request, payload, apply))


# --------------------------------------------------------------------------- rates


class RateIn(Schema):
    currency: str = Field(max_length=8)
    jpy: Annotated[Decimal, BeforeValidator(_no_float), Field(gt=0, max_digits=24, decimal_places=8)]


class RatesIn(Schema):
    version: Version
    as_of: dt.datetime | None = None
    rates: list[RateIn] = Field(max_length=16)


class RatesOut(Schema):
    applied: bool
    replayed: bool


@router.put("/rates", auth=ServiceTokenAuth(ServiceToken.Scope.RATES_WRITE), response={200: RatesOut})
def put_rates(request: HttpRequest, payload: RatesIn) -> Status[dict[str, Any]]:
    bounds.check_push_rates(payload.rates)

    def apply() -> tuple[int, dict[str, Any]]:
        applied = services.rates_apply(
            version=payload.version,
            as_of=payload.as_of,
            rates=[services.RatePush(currency=r.currency.upper(), jpy=r.jpy) for r in payload.rates],
        )
        return 200, {"applied": applied}

    return Status(*_idempotent(request, payload, apply))


# --------------------------------------------------------------------------- withdrawals


class WithdrawalOut(Schema):
    id: int
    account_id: int
    currency: str
    amount: str
    fee: str
    address: str
    destination_tag: int | None
    status: str
    txid: str
    created_at: dt.datetime
    cancelled_by: str | None = None  # "customer" or "freeze" for a cancelled withdrawal


def _withdrawal_out(w: Withdrawal) -> dict[str, Any]:
    return {
        "id": w.pk,
        "account_id": w.user_id,
        "currency": w.currency,
        "amount": bounds.canonical(w.amount, w.currency),
        "fee": bounds.canonical(w.fee, w.currency),
        "address": w.address_text,
        "destination_tag": w.destination_tag,
        "status": w.status,
        "txid": w.txid,
        "created_at": w.created_at,
        "cancelled_by": w.cancelled_by or None,
    }


@router.get(
    "/withdrawals",
    auth=ServiceTokenAuth(ServiceToken.Scope.WITHDRAWALS_READ),
    response={200: list[WithdrawalOut]},
)
def list_withdrawals(
    request: HttpRequest,
    status: Annotated[Withdrawal.Status, Query()] = Withdrawal.Status.PENDING,
    after_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    rows = Withdrawal.objects.filter(status=status, pk__gt=after_id).order_by("pk")[: max(1, min(limit, 500))]
    return [_withdrawal_out(w) for w in rows]


class WithdrawalStatusIn(Schema):
    status: str = Field(pattern="^(sent|failed)$")
    txid: str = Field("", max_length=128)
    reason: str = Field("", max_length=200)


class WithdrawalStatusOut(Schema):
    changed: bool
    replayed: bool
    withdrawal: WithdrawalOut


@router.put(
    "/withdrawals/{withdrawal_id}/status",
    auth=ServiceTokenAuth(ServiceToken.Scope.WITHDRAWALS_WRITE),
    response={200: WithdrawalStatusOut},
)
def put_withdrawal_status(
    request: HttpRequest, withdrawal_id: RowId, payload: WithdrawalStatusIn
) -> Status[dict[str, Any]]:
    def apply() -> tuple[int, dict[str, Any]]:
        try:
            result = services.withdrawal_status_set(
                withdrawal_id=withdrawal_id,
                status=payload.status,
                txid=payload.txid,
                reason=payload.reason,
                actor_name=request.service_token.name,  # type: ignore[attr-defined]
            )
        except NegativeBalance as exc:
            raise ApplicationError(
                WalletErrorCode.LEDGER_CONFLICT, "the pushed balances no longer hold this withdrawal", status=409
            ) from exc
        body = _withdrawal_out(result.withdrawal)
        body["created_at"] = body["created_at"].isoformat()
        return 200, {"changed": result.changed, "withdrawal": body}

    try:
        return Status(*_idempotent(request, payload, apply))
    except ApplicationError as error:
        if error.code == CommonErrorCode.ACCOUNT_FROZEN:
            # Audited after the refusing transaction rolled back; nothing is stored under
            # the Idempotency-Key, so a retry after the freeze is lifted is judged afresh.
            services.withdrawal_sent_refused_record(
                withdrawal_id=withdrawal_id,
                actor_name=request.service_token.name,  # type: ignore[attr-defined]
            )
        raise
