"""Refuse to run an unsafe production configuration (DEBUG off)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

DEMO_EMAILS = ("hanako@example.jp", "taro@example.jp", "agent@example.jp", "admin@example.jp")


def production_problems() -> list[str]:
    if settings.DEBUG:
        return []
    problems = []
    if settings.SECRET_KEY == settings.INSECURE_DEFAULT_SECRET_KEY or len(settings.SECRET_KEY) < 40:
        problems.append("SECRET_KEY is missing or too short (set a random value of 50+ characters).")
    if not settings.ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS is empty (set the public host names, comma-separated).")
    backend = settings.CACHES["default"]["BACKEND"]
    if "locmem" in backend or "dummy" in backend:
        problems.append(
            "The cache is per-process; set REDIS_URL so that rate limits and 2FA replay protection are shared."
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") and not settings.TESTING:
        problems.append("SQLite is the embedded default only; set DATABASE_URL to PostgreSQL.")
    if not getattr(settings, "MADOGUCHI_MFA_ENCRYPTION_KEYS", None):
        problems.append("MADOGUCHI_MFA_ENCRYPTION_KEYS is not set (2FA secrets must be encrypted with your own key).")
    if getattr(settings, "MADOGUCHI_TRUSTED_PROXY_COUNT", None) is None and not getattr(
        settings, "MADOGUCHI_TRUSTED_CLIENT_IP_HEADER", ""
    ):
        problems.append(
            "MADOGUCHI_TRUSTED_PROXY_COUNT is not set: say how many proxies append to X-Forwarded-For "
            "(1 behind one load balancer), or set MADOGUCHI_TRUSTED_CLIENT_IP_HEADER, or 0 when clients "
            "connect directly. Without it every per-address limit sees the load balancer."
        )
    return problems


def refuse_unsafe_production_settings() -> None:
    problems = production_problems()
    if problems:
        raise ImproperlyConfigured("madoguchi refuses to start with DEBUG off:\n- " + "\n- ".join(problems))


@checks.register(checks.Tags.database, deploy=True)
def demo_data_absent(app_configs: Any, databases: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DEBUG or not databases:
        return []
    from django.contrib.auth import get_user_model

    if get_user_model().objects.filter(email__in=DEMO_EMAILS).exists():
        return [
            checks.Error(
                "Demo accounts exist in this database; remove them before running in production.",
                id="madoguchi.E001",
            )
        ]
    return []
