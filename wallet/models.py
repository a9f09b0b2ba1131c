"""Balances, the ledger, rates, leverage figures, withdrawal addresses, withdrawals and the
service tokens of the trading core.

Money is ``Decimal`` everywhere (``DecimalField``; floats are refused by the formatting and
API layers). A balance row changes only through ``wallet.internal.ledger.post``, which
locks the row (``select_for_update``), appends one ``LedgerEntry`` and writes the new
figures in the same transaction, so for every (user, currency):

    balance.available == sum(entry.available_delta)
    balance.in_use    == sum(entry.in_use_delta)

and neither figure can go below zero (checked in code and by database constraints).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

AMOUNT: dict[str, Any] = {"max_digits": 28, "decimal_places": 8}
ZERO = Decimal(0)


class Currency(models.TextChoices):
    JPY = "JPY", "JPY"
    BTC = "BTC", "BTC"
    ETH = "ETH", "ETH"
    XRP = "XRP", "XRP"


CRYPTO_CURRENCIES = (Currency.BTC, Currency.ETH, Currency.XRP)


class Balance(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wallet_balances")
    currency = models.CharField(max_length=8, choices=Currency.choices)
    available = models.DecimalField(**AMOUNT, default=ZERO)
    in_use = models.DecimalField(**AMOUNT, default=ZERO)
    # Highest balance version pushed by the trading core (replays and stale pushes are ignored).
    core_version = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "currency"], name="wallet_balance_user_currency"),
            models.CheckConstraint(condition=Q(available__gte=0), name="wallet_balance_available_gte_0"),
            models.CheckConstraint(condition=Q(in_use__gte=0), name="wallet_balance_in_use_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.currency}"


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        CORE_SYNC = "core_sync", _("Trading update")
        DEPOSIT = "deposit", _("Deposit")
        WITHDRAWAL_HOLD = "withdrawal_hold", _("Withdrawal requested")
        WITHDRAWAL_SENT = "withdrawal_sent", _("Withdrawal sent")
        WITHDRAWAL_RELEASE = "withdrawal_release", _("Withdrawal failed, funds returned")
        WITHDRAWAL_CANCEL = "withdrawal_cancel", _("Withdrawal cancelled by a freeze, funds returned")
        WITHDRAWAL_CUSTOMER_CANCEL = "withdrawal_cancel_own", _("Withdrawal cancelled by you, funds returned")
        ADJUSTMENT = "adjustment", _("Adjustment")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=8, choices=Currency.choices)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    available_delta = models.DecimalField(**AMOUNT)
    in_use_delta = models.DecimalField(**AMOUNT)
    available_after = models.DecimalField(**AMOUNT)
    in_use_after = models.DecimalField(**AMOUNT)
    reference = models.CharField(max_length=100, blank=True)
    withdrawal = models.ForeignKey(
        "wallet.Withdrawal", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["user", "currency", "id"], name="wallet_ledger_user_cur")]

    def __str__(self) -> str:
        return f"{self.kind} {self.currency} {self.available_delta}/{self.in_use_delta}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise RuntimeError("ledger entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ledger entries are append-only")


class Rate(models.Model):
    """Price of one unit of ``currency`` in JPY, pushed by the trading core."""

    currency = models.CharField(max_length=8, choices=Currency.choices, unique=True)
    jpy = models.DecimalField(max_digits=24, decimal_places=8)
    version = models.BigIntegerField(default=0)
    as_of = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [models.CheckConstraint(condition=Q(jpy__gt=0), name="wallet_rate_positive")]

    def __str__(self) -> str:
        return f"{self.currency}={self.jpy} JPY"


class LeveragePosition(models.Model):
    """Margin-trading figures as the trading core computes them (display only)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wallet_leverage")
    margin_jpy = models.DecimalField(**AMOUNT, default=ZERO)
    margin_btc = models.DecimalField(**AMOUNT, default=ZERO)
    withdrawable_jpy = models.DecimalField(**AMOUNT, default=ZERO)
    withdrawable_btc = models.DecimalField(**AMOUNT, default=ZERO)
    available_jpy = models.DecimalField(**AMOUNT, default=ZERO)
    available_btc = models.DecimalField(**AMOUNT, default=ZERO)
    debt_jpy = models.DecimalField(**AMOUNT, default=ZERO)
    debt_btc = models.DecimalField(**AMOUNT, default=ZERO)
    leverage_ratio = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    # Margin maintenance ratio in percent; NULL while no position is open ("N/A").
    maintenance_ratio = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    core_version = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"leverage {self.user_id}"


class WithdrawalAddress(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wallet_addresses")
    currency = models.CharField(max_length=8, choices=Currency.choices)
    address = models.CharField(max_length=128)
    destination_tag = models.PositiveBigIntegerField(null=True, blank=True)
    label = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    usable_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["user", "currency"], name="wallet_addr_user_cur")]

    def __str__(self) -> str:
        return f"{self.currency} {self.address}"

    def is_usable(self, now: Any = None) -> bool:
        return self.removed_at is None and self.usable_at <= (now or timezone.now())


class Withdrawal(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # Not sent, the funds went back to the available balance: the account was frozen
        # before the trading core sent it (wallet.services.withdrawals_cancel_for_freeze) or
        # the customer cancelled it (withdrawal_cancel); ``cancelled_by`` says which.
        CANCELLED = "cancelled", _("Cancelled")

    class CancelledBy(models.TextChoices):
        # Who cancelled a ``cancelled`` withdrawal (the status stays one value for the trading
        # core: "do not send, the funds are back"). Empty for every other status.
        FREEZE = "freeze", _("Cancelled (account frozen)")
        CUSTOMER = "customer", _("Cancelled by you")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wallet_withdrawals")
    currency = models.CharField(max_length=8, choices=Currency.choices)
    amount = models.DecimalField(**AMOUNT)
    fee = models.DecimalField(**AMOUNT)
    address = models.ForeignKey(WithdrawalAddress, on_delete=models.PROTECT, related_name="withdrawals")
    # Snapshot: what the core must send to, whatever happens to the saved address later.
    address_text = models.CharField(max_length=128)
    destination_tag = models.PositiveBigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    txid = models.CharField(max_length=128, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    cancelled_by = models.CharField(max_length=10, choices=CancelledBy.choices, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["user", "-created_at"], name="wallet_wd_user_created"),
            models.Index(fields=["status", "id"], name="wallet_wd_status"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="wallet_wd_amount_positive"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="wallet_wd_fee_gte_0"),
        ]

    def __str__(self) -> str:
        return f"withdrawal {self.pk} {self.amount} {self.currency} {self.status}"

    @property
    def total(self) -> Decimal:
        return self.amount + self.fee

    @property
    def cancellable(self) -> bool:
        """The customer may cancel it: still pending (the trading core has not sent it)."""
        return self.status == self.Status.PENDING

    def status_label(self) -> str:
        if self.status == self.Status.CANCELLED and self.cancelled_by:
            return str(self.get_cancelled_by_display())
        return str(self.get_status_display())


class ServiceToken(models.Model):
    """A bearer token of an internal service (the trading core). Only a SHA-256 of the
    token is stored; the token itself is shown once when issued."""

    class Scope(models.TextChoices):
        BALANCES_WRITE = "balances:write", "balances:write"
        RATES_WRITE = "rates:write", "rates:write"
        WITHDRAWALS_READ = "withdrawals:read", "withdrawals:read"
        WITHDRAWALS_WRITE = "withdrawals:write", "withdrawals:write"

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    def is_active(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IdempotencyRecord(models.Model):
    """The stored answer to an internal request, keyed by its ``Idempotency-Key``: a replay
    returns the same answer and changes nothing; the same key with another body is refused."""

    key = models.CharField(max_length=100, unique=True)
    token = models.ForeignKey(ServiceToken, on_delete=models.PROTECT, related_name="+")
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key
