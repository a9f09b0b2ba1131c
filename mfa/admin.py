"""Read-only admin views; changes go through mfa.services (audited, notified)."""

from __future__ import annotations

from django.contrib import admin

from core.admin_views import ReadOnlyAdmin

from .models import SecondFactorLock, SmsCode


@admin.register(SecondFactorLock)
class SecondFactorLockAdmin(ReadOnlyAdmin):
    list_display = ("user", "locked_at", "failures")
    search_fields = ("user__email",)


@admin.register(SmsCode)
class SmsCodeAdmin(ReadOnlyAdmin):
    # The code itself is never stored (only an HMAC) and the hash is not shown.
    list_display = ("user", "purpose", "created_at", "expires_at", "attempts", "used_at", "superseded")
    fields = list_display
    search_fields = ("user__email",)
    list_filter = ("purpose",)
