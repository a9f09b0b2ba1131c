"""Read-only admin views; changes go through mfa.services (audited, notified)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import SecondFactorLock, SmsCode


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(SecondFactorLock)
class SecondFactorLockAdmin(_ReadOnly):
    list_display = ("user", "locked_at", "failures")
    search_fields = ("user__email",)


@admin.register(SmsCode)
class SmsCodeAdmin(_ReadOnly):
    # The code itself is never stored (only an HMAC) and the hash is not shown.
    list_display = ("user", "purpose", "created_at", "expires_at", "attempts", "used_at", "superseded")
    fields = list_display
    search_fields = ("user__email",)
    list_filter = ("purpose",)
