from django.apps import AppConfig


class MfaConfig(AppConfig):
    name = "mfa"
    label = "madoguchi_mfa"  # allauth.mfa already uses the label "mfa"
    verbose_name = "madoguchi 2FA"

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401
        from .internal import authenticators  # noqa: F401 - its signal receivers
