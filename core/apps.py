from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "madoguchi core"

    def ready(self) -> None:
        from . import checks
        from .logging import configure_structlog

        configure_structlog()
        checks.refuse_unsafe_production_settings()
