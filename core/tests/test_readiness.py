"""/readyz tells the truth about the background side; /metrics adds it up across processes."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from core.models import OutboxMessage, WorkerHeartbeat

ROOT = Path(__file__).resolve().parents[2]


def _stale_row(minutes: int) -> OutboxMessage:
    return OutboxMessage.objects.create(
        task="core.notify:deliver_sms",
        payload={"kind": "code-login", "body": "x", "to": "+819000000009"},
        created_at=timezone.now() - dt.timedelta(minutes=minutes),
        dispatched_at=None,
    )


@pytest.mark.django_db
def test_readyz_fails_when_the_oldest_undelivered_side_effect_is_too_old(client, settings):
    settings.MADOGUCHI_OUTBOX_MAX_AGE_SECONDS = 300
    assert client.get("/readyz").status_code == 200

    _stale_row(minutes=6)
    ready = client.get("/readyz")

    assert ready.status_code == 503
    assert ready.json()["checks"]["outbox"] == "stale"
    assert ready.json()["outbox"]["pending"] == 1
    assert ready.json()["outbox"]["oldest_age_seconds"] > 300


@pytest.mark.django_db
def test_readyz_fails_when_no_worker_is_alive(client, settings):
    settings.MADOGUCHI_TASKS = "celery"
    settings.MADOGUCHI_WORKER_STALE_SECONDS = 60
    now = timezone.now()

    missing = client.get("/readyz")
    WorkerHeartbeat.objects.create(name="worker@a", kind="worker", seen_at=now)
    WorkerHeartbeat.objects.create(name="beat@a", kind="beat", seen_at=now)
    alive = client.get("/readyz")
    WorkerHeartbeat.objects.filter(kind="worker").update(seen_at=now - dt.timedelta(seconds=90))  # kill -9
    dead = client.get("/readyz")

    assert missing.status_code == 503 and missing.json()["checks"]["worker"] == "missing"
    assert alive.status_code == 200, alive.json()
    assert alive.json()["checks"]["worker"] == "ok" and alive.json()["checks"]["beat"] == "ok"
    assert dead.status_code == 503 and dead.json()["checks"]["worker"] == "stale"


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_writes_a_row(settings):
    import time

    from core.health import start_heartbeat_thread

    settings.MADOGUCHI_HEARTBEAT_SECONDS = 3600
    start_heartbeat_thread("worker")
    deadline = time.monotonic() + 10
    while not WorkerHeartbeat.objects.filter(kind="worker").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert WorkerHeartbeat.objects.filter(kind="worker").exists()


@pytest.mark.django_db
def test_metrics_show_outbox_depth_and_age(client, settings):
    settings.MADOGUCHI_METRICS_PUBLIC = True
    _stale_row(minutes=2)

    body = client.get("/metrics").content.decode()

    assert "madoguchi_outbox_pending 1.0" in body
    oldest = next(line for line in body.splitlines() if line.startswith("madoguchi_outbox_oldest_pending_seconds "))
    assert float(oldest.split()[1]) >= 120


@pytest.mark.django_db
def test_metrics_fail_closed_without_token_or_allowlist_in_production(client, settings):
    settings.MADOGUCHI_METRICS_PUBLIC = False
    settings.MADOGUCHI_METRICS_TOKEN = ""
    settings.MADOGUCHI_METRICS_ALLOW_IPS = []
    assert client.get("/metrics").status_code == 404

    settings.MADOGUCHI_METRICS_ALLOW_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.1").status_code == 404

    settings.MADOGUCHI_METRICS_ALLOW_IPS = []
    settings.MADOGUCHI_METRICS_TOKEN = "scrape-secret"
    settings.MADOGUCHI_METRICS_PUBLIC = True  # a token always wins over "public"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200


_COUNT = """
import django, os
django.setup()
from core import metrics
for _ in range({n}):
    metrics.observe_request("GET", "drill", 200, 0.01)
"""

_RENDER = """
import django
django.setup()
from core import metrics
import sys
sys.stdout.write(metrics.render().decode())
"""


def test_metrics_add_up_the_counters_of_every_process(tmp_path):
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "MADOGUCHI_TESTING": "1",
        "MADOGUCHI_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    for n in (3, 4):  # two web processes
        subprocess.run([sys.executable, "-c", _COUNT.format(n=n)], cwd=ROOT, env=env, check=True, timeout=120)

    scrape = subprocess.run(
        [sys.executable, "-c", _RENDER], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True, text=True
    ).stdout

    assert 'madoguchi_http_requests_total{method="GET",route="drill",status="200"} 7.0' in scrape
