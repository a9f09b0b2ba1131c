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


# --------------------------------------------------------------------------- deploy checks
# ``manage.py check --deploy`` with DEBUG off refuses settings that work on one laptop but
# lose messages, links or files in production. Each message says what to set.

_LOCAL_MAIL_BACKENDS = ("core.mail.OutboxEmailBackend", "console", "filebased", "locmem", "dummy")
_LOCAL_SMS_BACKENDS = ("core.sms.OutboxSmsBackend",)
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0", "testserver"}  # noqa: S104 - names, not a bind


def _mail_backends() -> list[str]:
    mailers = getattr(settings, "MAILERS", None) or {}
    backends = [str(config.get("BACKEND", "")) for config in mailers.values()]
    email_backend = getattr(settings, "EMAIL_BACKEND", "")
    if email_backend and not mailers:
        backends.append(str(email_backend))
    return backends


@checks.register("madoguchi", checks.Tags.security, deploy=True)
def outbox_backends_refused(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    errors: list[checks.CheckMessage] = []
    for backend in _mail_backends():
        if any(marker in backend for marker in _LOCAL_MAIL_BACKENDS):
            errors.append(
                checks.Error(
                    f"Email goes to a local backend ({backend}): customers would never receive their codes and links.",
                    hint="Set EMAIL_URL=smtp+tls://user:pass@host:587 (or smtps://…:465).",
                    id="madoguchi.E002",
                )
            )
    sms = str(getattr(settings, "MADOGUCHI_SMS_BACKEND", ""))
    if not sms or sms in _LOCAL_SMS_BACKENDS:
        errors.append(
            checks.Error(
                f"SMS goes to the local outbox ({sms or 'unset'}): customers would never receive their codes.",
                hint="Set MADOGUCHI_SMS_BACKEND to your provider's sender (dotted path with send(to, body, kind)).",
                id="madoguchi.E003",
            )
        )
    return errors


@checks.register("madoguchi", checks.Tags.security, deploy=True)
def public_urls_configured(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    from urllib.parse import urlsplit

    errors: list[checks.CheckMessage] = []
    site = urlsplit(str(getattr(settings, "SITE_URL", "") or ""))
    if site.scheme != "https" or not site.hostname or site.hostname in _LOOPBACK_HOSTS:
        # Unset, SITE_URL is the embedded default http://127.0.0.1:8000.
        errors.append(
            checks.Error(
                f"SITE_URL is unset or not the public https:// address ({settings.SITE_URL or 'empty'}): "
                "links in emails would not reach customers.",
                hint="Set SITE_URL to the public address, e.g. https://madoguchi.example.",
                id="madoguchi.E004",
            )
        )
    if not getattr(settings, "CSRF_TRUSTED_ORIGINS", None):
        errors.append(
            checks.Error(
                "CSRF_TRUSTED_ORIGINS is empty: form posts behind the TLS-terminating load balancer would be refused.",
                hint="Set CSRF_TRUSTED_ORIGINS to the public origin(s), e.g. https://madoguchi.example.",
                id="madoguchi.E005",
            )
        )
    return errors


@checks.register("madoguchi", checks.Tags.security, deploy=True)
def private_files_shared(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DEBUG or getattr(settings, "MADOGUCHI_SINGLE_NODE", False):
        return []
    backend = str(settings.STORAGES.get("default", {}).get("BACKEND", ""))
    if backend.endswith("FileSystemStorage"):
        return [
            checks.Error(
                "Private files (ID selfies, attachments) are stored on this machine's disk: other web nodes "
                "and the workers cannot read them, and they are lost with the machine.",
                hint="Set MADOGUCHI_S3_BUCKET (S3-compatible storage), or MADOGUCHI_SINGLE_NODE=1 if you "
                "really run one node with a backed-up disk.",
                id="madoguchi.E006",
            )
        ]
    return []


@checks.register("madoguchi", checks.Tags.security, deploy=True)
def metrics_not_public(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    protected = getattr(settings, "MADOGUCHI_METRICS_TOKEN", "") or getattr(
        settings, "MADOGUCHI_METRICS_ALLOW_IPS", None
    )
    if protected and not getattr(settings, "MADOGUCHI_METRICS_PUBLIC", False):
        return []
    return [
        checks.Error(
            "/metrics is public: anyone can read counts of sign-ins, failures and queues.",
            hint="Set MADOGUCHI_METRICS_TOKEN (scrapers send Authorization: Bearer <token>) "
            "or MADOGUCHI_METRICS_ALLOW_IPS (comma-separated addresses/networks of the scrapers), "
            "and leave MADOGUCHI_METRICS_PUBLIC unset.",
            id="madoguchi.E007",
        )
    ]


@checks.register("madoguchi", checks.Tags.security, deploy=True)
def chat_layer_shared(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The live chat's channel layer must reach every ASGI process: with the in-memory layer
    a message posted on one process (or one uvicorn worker) never reaches a socket held by
    another, so the other side sees it only after a reload (docs/decisions/0006)."""
    if settings.DEBUG:
        return []
    layers = getattr(settings, "CHANNEL_LAYERS", {}) or {}
    backend = str((layers.get("default") or {}).get("BACKEND", ""))
    if backend and "InMemoryChannelLayer" not in backend:
        return []
    return [
        checks.Error(
            "The live chat uses the in-memory channel layer: messages do not reach sockets held by "
            "another process or uvicorn worker.",
            hint="Set REDIS_URL (the chat then uses channels_redis.pubsub.RedisPubSubChannelLayer), "
            "or set CHANNEL_LAYERS to a shared layer.",
            id="madoguchi.E008",
        )
    ]
