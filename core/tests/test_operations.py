"""Health, readiness, metrics, request ids and the production safety checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"]["cache"] == "ok"


@pytest.mark.django_db
def test_metrics_count_requests(client):
    client.get("/healthz")
    body = client.get("/metrics").content.decode()
    assert 'madoguchi_http_requests_total{method="GET",route="healthz",status="200"}' in body


@pytest.mark.django_db
def test_metrics_can_require_a_token(client, settings):
    settings.MADOGUCHI_METRICS_TOKEN = "scrape-secret"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200


@pytest.mark.django_db
def test_log_lines_of_a_request_carry_its_id_and_nothing_is_left_bound_afterwards(client, monkeypatch):
    import structlog

    from core import middleware

    seen: list[dict[str, object]] = []
    inner = middleware.RequestIdMiddleware(
        lambda request: seen.append(structlog.contextvars.get_contextvars()) or HttpResponse()
    )
    structlog.contextvars.clear_contextvars()

    response = inner(RequestFactory().get("/healthz", headers={"X-Request-ID": "abc123-request-id"}))

    assert seen == [{"request_id": "abc123-request-id"}]
    assert response["X-Request-ID"] == "abc123-request-id"
    assert structlog.contextvars.get_contextvars() == {}


def test_every_response_carries_a_request_id(client):
    generated = client.get("/healthz")
    echoed = client.get("/healthz", headers={"X-Request-ID": "abc123-request-id"})
    hostile = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})

    assert len(generated["X-Request-ID"]) == 32
    assert echoed["X-Request-ID"] == "abc123-request-id"
    assert "<" not in hostile["X-Request-ID"]


def _check_with(env_overrides: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_URL", "MADOGUCHI_TESTING", "DJANGO_ALLOW_ASYNC"))
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_an_unsafe_configuration():
    # when an operator turns DEBUG off but forgets the secret key, hosts and Redis
    result = _check_with({"DEBUG": "0"})

    # then madoguchi refuses to start and says what to fix
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ALLOWED_HOSTS" in result.stderr
    assert "REDIS_URL" in result.stderr
    assert "MADOGUCHI_TRUSTED_PROXY_COUNT" in result.stderr


PRODUCTION_BASE = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "-production-secret-for-check-" + "y" * 20,
    "ALLOWED_HOSTS": "madoguchi.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "MADOGUCHI_MFA_ENCRYPTION_KEYS": "k" * 44,
    "MADOGUCHI_TRUSTED_PROXY_COUNT": "1",
}
PRODUCTION_DELIVERY = {
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.madoguchi.example:587",
    "MADOGUCHI_SMS_BACKEND": "provider.sms.Sender",
    "SITE_URL": "https://madoguchi.example",
    "CSRF_TRUSTED_ORIGINS": "https://madoguchi.example",
    "MADOGUCHI_S3_BUCKET": "madoguchi-private",
    "MADOGUCHI_METRICS_TOKEN": "scrape-secret",
}


def test_production_settings_pass_the_deploy_check():
    result = _check_with({**PRODUCTION_BASE, **PRODUCTION_DELIVERY})

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_refuses_local_delivery_and_missing_urls():
    # when the operator follows the README but keeps the embedded default's outboxes and disk
    result = _check_with(PRODUCTION_BASE)

    # then check --deploy fails and names each problem
    assert result.returncode != 0
    for check_id in ("E002", "E003", "E004", "E005", "E006", "E007"):
        assert f"madoguchi.{check_id}" in result.stderr, check_id
    # one node with a backed-up disk may keep private files locally
    single = _check_with(
        {**PRODUCTION_BASE, **PRODUCTION_DELIVERY, "MADOGUCHI_S3_BUCKET": "", "MADOGUCHI_SINGLE_NODE": "1"}
    )
    assert single.returncode == 0, single.stderr


def test_demo_data_is_refused_when_debug_is_off():
    env = {
        "DEBUG": "0",
        "MADOGUCHI_TESTING": "1",
        "SECRET_KEY": "s" * 60,
        "ALLOWED_HOSTS": "x",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "MADOGUCHI_MFA_ENCRYPTION_KEYS": "k" * 44,
        "MADOGUCHI_TRUSTED_PROXY_COUNT": "0",
    }
    full_env = {**os.environ, **env}
    result = subprocess.run(
        [sys.executable, "manage.py", "load_demo"],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "refused when DEBUG is off" in result.stderr
