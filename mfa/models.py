from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SmsCode(models.Model):
    """A 6-digit code sent by SMS. Only the newest code per (user, purpose) is valid."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sms_codes")
    purpose = models.CharField(max_length=40)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    superseded = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose", "-created_at"], name="smscode_user_purpose")]


class SecondFactorLock(models.Model):
    """Present while a customer's second factor is locked (too many wrong codes).

    Lifted by recovery (``two_factor_remove_all``) or ``second_factor_unlock``.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="second_factor_lock")
    locked_at = models.DateTimeField(default=timezone.now)
    failures = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"lock(user={self.user_id}, at={self.locked_at:%Y-%m-%d %H:%M})"


class TotpCounter(models.Model):
    """The last accepted TOTP time step of one authenticator (RFC 6238 §5.2).

    A code whose step is at or below ``last_step`` is refused, so a code is good once
    even after the shared cache (the fast replay guard) was flushed or restarted.
    Deleted with its authenticator: a new secret starts from scratch.
    """

    authenticator = models.OneToOneField(
        "mfa.Authenticator", on_delete=models.CASCADE, related_name="madoguchi_totp_counter"
    )
    last_step = models.BigIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"totp-counter(authenticator={self.authenticator_id}, step={self.last_step})"
