"""Prometheus metrics, aggregated across processes.

With ``PROMETHEUS_MULTIPROC_DIR`` set (production: every gunicorn worker and every Celery
process share one empty directory, wiped at deploy), prometheus_client writes each process's
samples to memory-mapped files there and ``render()`` sums them, so a scrape sees the
service's totals whatever process answers it. Without it (the embedded default, tests) the
samples live in this process. Scrape-time gauges (outbox depth and age, queue depth, worker
heartbeat age) are read from the database and the broker when /metrics is scraped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

registry = CollectorRegistry()
if not MULTIPROCESS:
    ProcessCollector(registry=registry)
REQUESTS = Counter("madoguchi_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=registry)
LATENCY = Histogram(
    "madoguchi_http_request_seconds",
    "HTTP request latency",
    ["route"],
    registry=registry,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
# SMS: sent per budget class, refused per reason. An alert on the refusals that signal
# pumping (destination, prefix, destination_policy) is in docs/security.md.
SMS_SENT = Counter("madoguchi_sms_sent_total", "SMS codes sent", ["budget"], registry=registry)
SMS_REFUSED = Counter(
    "madoguchi_sms_refused_total",
    "SMS codes not sent: budget, velocity or destination policy",
    ["reason"],
    registry=registry,
)
SECURITY_EVENTS = Counter("madoguchi_audit_events_total", "Audit events written", ["event"], registry=registry)
OUTBOX_WRITTEN = Counter("madoguchi_outbox_written_total", "Outbox rows written (side effects)", registry=registry)
OUTBOX_PUBLISH_FAILED = Counter(
    "madoguchi_outbox_publish_failed_total", "Outbox rows the broker refused (delivered later)", registry=registry
)
OUTBOX_DELIVERIES = Counter(
    "madoguchi_outbox_deliveries_total", "Outbox delivery attempts by outcome", ["outcome"], registry=registry
)
OUTBOX_LATENCY = Histogram(
    "madoguchi_outbox_delivery_delay_seconds",
    "Time from the outbox row's commit to its delivery",
    registry=registry,
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900),
)
SERVICE_UNAVAILABLE = Counter(
    "madoguchi_dependency_unavailable_total",
    "Requests answered 503 because a dependency (cache, broker) was down",
    ["dependency"],
    registry=registry,
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(route).observe(seconds)


class StateCollector(Collector):
    """Scrape-time gauges from the database (outbox, heartbeats) and the broker (queue depth)."""

    def collect(self) -> Iterator[Any]:
        from . import health

        state = health.snapshot()
        outbox = state["outbox"]
        yield _gauge("madoguchi_outbox_pending", "Outbox rows not yet delivered", outbox.get("pending"))
        yield _gauge("madoguchi_outbox_dead", "Outbox rows that gave up (need an operator)", outbox.get("dead"))
        yield _gauge(
            "madoguchi_outbox_oldest_pending_seconds",
            "Age of the oldest undelivered outbox row",
            outbox.get("oldest_age_seconds"),
        )
        yield _gauge("madoguchi_queue_depth", "Messages waiting in the Celery queue", state.get("queue_depth"))
        ages = GaugeMetricFamily(
            "madoguchi_heartbeat_age_seconds", "Seconds since a worker or beat wrote its heartbeat", labels=["kind"]
        )
        for kind, age in state["heartbeats"].items():
            if age is not None:
                ages.add_metric([kind], age)
        yield ages


def _gauge(name: str, documentation: str, value: float | None) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation)
    if value is not None:
        family.add_metric([], float(value))
    return family


def render() -> bytes:
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        scrape = CollectorRegistry()
        multiprocess.MultiProcessCollector(scrape)
    else:
        scrape = registry
    output = generate_latest(scrape)
    state = CollectorRegistry()
    state.register(StateCollector())
    return output + generate_latest(state)
