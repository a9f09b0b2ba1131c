"""`manage.py check --deploy` with DEBUG off refuses settings that lose messages, links or files."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from core import checks

SAFE = {
    "DEBUG": False,
    "MAILERS": {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {}}},
    "MADOGUCHI_SMS_BACKEND": "provider.sms.Sender",
    "SITE_URL": "https://madoguchi.example",
    "CSRF_TRUSTED_ORIGINS": ["https://madoguchi.example"],
    "MADOGUCHI_SINGLE_NODE": False,
    "MADOGUCHI_METRICS_TOKEN": "scrape-secret",
    "MADOGUCHI_METRICS_ALLOW_IPS": [],
    "MADOGUCHI_METRICS_PUBLIC": False,
    "CHANNEL_LAYERS": {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/0"]},
        }
    },
}


@pytest.fixture
def production(settings):
    for name, value in SAFE.items():
        setattr(settings, name, value)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": "b"}},
    }
    return settings


def _ids() -> set[str | None]:
    messages = (
        checks.outbox_backends_refused()
        + checks.public_urls_configured()
        + checks.private_files_shared()
        + checks.metrics_not_public()
        + checks.chat_layer_shared()
    )
    return {message.id for message in messages}


def test_a_safe_production_configuration_passes(production):
    assert _ids() == set()
    call_command("check", "--deploy", "--tag", "madoguchi")  # raises SystemCheckError on any error


def test_the_embedded_default_is_not_checked(settings):
    settings.DEBUG = True
    assert _ids() == set()


@pytest.mark.parametrize(
    ("name", "value", "check_id"),
    [
        ("MAILERS", {"default": {"BACKEND": "core.mail.OutboxEmailBackend"}}, "madoguchi.E002"),
        ("MAILERS", {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}, "madoguchi.E002"),
        ("MADOGUCHI_SMS_BACKEND", "core.sms.OutboxSmsBackend", "madoguchi.E003"),
        ("SITE_URL", "http://127.0.0.1:8000", "madoguchi.E004"),  # the value when SITE_URL is unset
        ("SITE_URL", "", "madoguchi.E004"),
        ("SITE_URL", "http://madoguchi.example", "madoguchi.E004"),
        ("SITE_URL", "https://localhost", "madoguchi.E004"),
        ("CSRF_TRUSTED_ORIGINS", [], "madoguchi.E005"),
        ("MADOGUCHI_METRICS_TOKEN", "", "madoguchi.E007"),
        ("CHANNEL_LAYERS", {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}, "madoguchi.E008"),
        ("CHANNEL_LAYERS", {}, "madoguchi.E008"),
    ],
)
def test_each_unsafe_setting_is_refused_with_its_id(production, name, value, check_id):
    setattr(production, name, value)
    assert _ids() == {check_id}
    with pytest.raises(SystemCheckError) as refused:
        call_command("check", "--deploy", "--tag", "madoguchi")
    assert check_id in str(refused.value)


def test_local_disk_private_files_are_refused_unless_single_node(production):
    production.STORAGES = {
        **production.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {}},
    }
    assert _ids() == {"madoguchi.E006"}
    [message] = checks.private_files_shared()
    assert "MADOGUCHI_S3_BUCKET" in message.hint and "MADOGUCHI_SINGLE_NODE" in message.hint
    production.MADOGUCHI_SINGLE_NODE = True
    assert _ids() == set()


def test_metrics_behind_an_address_allowlist_is_not_public(production):
    production.MADOGUCHI_METRICS_TOKEN = ""
    production.MADOGUCHI_METRICS_ALLOW_IPS = ["10.0.0.0/8"]
    assert _ids() == set()


def test_an_unsafe_production_configuration_reports_every_problem(production):
    production.MAILERS = {"default": {"BACKEND": "core.mail.OutboxEmailBackend"}}
    production.MADOGUCHI_SMS_BACKEND = "core.sms.OutboxSmsBackend"
    production.SITE_URL = "http://127.0.0.1:8000"
    production.CSRF_TRUSTED_ORIGINS = []
    production.MADOGUCHI_METRICS_TOKEN = ""
    production.STORAGES = {**production.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    production.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    assert _ids() == {f"madoguchi.E00{n}" for n in range(2, 9)}


def test_metrics_declared_public_is_refused_even_with_a_token(production):
    production.MADOGUCHI_METRICS_PUBLIC = True
    assert _ids() == {"madoguchi.E007"}
