"""Operators see balances, the ledger and withdrawals read-only: money moves only through
services (the ledger) and the internal API; service tokens are issued with the
``wallet_service_token`` command (the raw token is shown once)."""

from __future__ import annotations

from django.contrib import admin

from core.admin_views import ReadOnlyAdmin

from .models import Balance, LedgerEntry, LeveragePosition, Rate, ServiceToken, Withdrawal, WithdrawalAddress


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ("user", "currency", "available", "in_use", "core_version", "updated_at")
    list_filter = ("currency",)
    search_fields = ("user__email",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "currency", "kind", "available_delta", "in_use_delta", "reference")
    list_filter = ("currency", "kind")
    search_fields = ("user__email", "reference")


@admin.register(Rate)
class RateAdmin(ReadOnlyAdmin):
    list_display = ("currency", "jpy", "version", "as_of")


@admin.register(LeveragePosition)
class LeveragePositionAdmin(ReadOnlyAdmin):
    list_display = ("user", "margin_jpy", "leverage_ratio", "maintenance_ratio", "updated_at")
    search_fields = ("user__email",)


@admin.register(WithdrawalAddress)
class WithdrawalAddressAdmin(ReadOnlyAdmin):
    list_display = ("user", "currency", "label", "address", "usable_at", "removed_at")
    list_filter = ("currency",)
    search_fields = ("user__email", "address")


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "currency", "amount", "fee", "status", "created_at", "completed_at")
    list_filter = ("status", "currency")
    search_fields = ("user__email", "address_text", "txid")


@admin.register(ServiceToken)
class ServiceTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "scopes", "created_at", "expires_at", "revoked_at", "last_used_at")
    exclude = ("token_hash",)
