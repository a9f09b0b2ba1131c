from typing import Any

from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "recovery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from allauth.account.signals import password_reset
        from django.core import checks

        from .checks import check_recovery_settings

        checks.register(check_recovery_settings)

        password_reset.connect(_on_password_reset, dispatch_uid="recovery.password_reset_completed")


def _on_password_reset(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from .services import password_reset_completed

    password_reset_completed(user=user, request=request)
