"""Side effects run after commit: in-process by default, on a Celery worker in production."""

from __future__ import annotations

import time

import pytest
from django.db import transaction

from core.notify import send_email


@pytest.mark.django_db
def test_nothing_is_sent_when_the_transaction_rolls_back(outbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        send_email(to="someone@example.jp", kind="account_frozen", context={})
        raise RuntimeError("the service failed after enqueuing")

    assert outbox.emails() == []


@pytest.mark.django_db
def test_email_is_sent_after_commit(outbox):
    with transaction.atomic():
        send_email(to="someone@example.jp", kind="account_frozen", context={})

    [mail] = outbox.emails()
    assert mail.to == "someone@example.jp"
    assert mail.kind == "account_frozen"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_on_redis_delivers_the_email(settings, outbox):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    settings.MADOGUCHI_TASKS = "celery"
    assert app.conf.broker_url.startswith("redis://")
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        send_email(to="worker@example.jp", kind="account_frozen", context={})  # commits at once
        deadline = time.monotonic() + 30
        while not outbox.emails(to="worker@example.jp") and time.monotonic() < deadline:
            time.sleep(0.2)

    [mail] = outbox.emails(to="worker@example.jp")
    assert "凍結" in mail.subject or "frozen" in mail.subject


@pytest.mark.django_db
def test_the_embedded_default_runs_due_periodic_jobs_once_per_interval(client, settings):
    CALLS.clear()
    settings.TESTING = False
    settings.MADOGUCHI_PERIODIC = {"probe": ("core.tests.test_tasks:_probe_job", 60)}

    client.get("/healthz")
    client.get("/healthz")

    assert CALLS == ["ran"]


CALLS: list[str] = []


def _probe_job() -> None:
    CALLS.append("ran")


PERIODIC_RUNS: list[str] = []


def periodic_probe() -> None:
    PERIODIC_RUNS.append("ran")


@pytest.mark.django_db
def test_embedded_default_runs_a_due_periodic_job_once_per_interval(settings):
    """Without Celery beat the web process runs the periodic table itself: a due job runs
    once, however many requests and processes (here: clients) come in that interval."""
    from django.core.cache import cache
    from django.test import Client

    settings.TESTING = False
    settings.MADOGUCHI_TASKS = "inline"
    settings.MADOGUCHI_PERIODIC = {"probe": ("core.tests.test_tasks:periodic_probe", 3600)}
    cache.delete_many(["periodic:tick", "periodic:probe"])
    PERIODIC_RUNS.clear()

    first = Client()
    first.get("/healthz")
    first.get("/healthz")
    Client().get("/healthz")  # another process: its own middleware, the same shared keys
    assert PERIODIC_RUNS == ["ran"]

    cache.delete("periodic:tick")  # a minute later: the tick is due again, the job is not
    Client().get("/healthz")
    assert PERIODIC_RUNS == ["ran"]
    cache.delete_many(["periodic:tick", "periodic:probe"])
    Client().get("/healthz")  # an hour later
    assert PERIODIC_RUNS == ["ran", "ran"]


RAN: list[str] = []


def record_ran(*, name: str) -> None:
    RAN.append(name)


@pytest.mark.django_db(transaction=True)
def test_in_process_work_queued_by_a_request_runs_after_the_response_is_sent(settings):
    from django.http import HttpResponse
    from django.test import RequestFactory

    from core.middleware import AfterResponseTasksMiddleware
    from core.tasks import enqueue

    settings.MADOGUCHI_TASKS = "inline"
    RAN.clear()

    def view(request):
        enqueue("core.tests.test_tasks:record_ran", name="email")
        return HttpResponse("sent")

    response = AfterResponseTasksMiddleware(view)(RequestFactory().post("/"))
    # the response is ready and nothing ran yet: the branch that emails someone is not slower
    assert RAN == []
    response.close()  # what the WSGI server does once the body is sent
    assert RAN == ["email"]
    # outside a request, work runs at once as before
    enqueue("core.tests.test_tasks:record_ran", name="direct")
    assert RAN == ["email", "direct"]
