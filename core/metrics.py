from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector, generate_latest

registry = CollectorRegistry()
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


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(route).observe(seconds)


def render() -> bytes:
    return generate_latest(registry)
