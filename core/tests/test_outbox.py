"""The transactional outbox: side effects committed with their change, delivered exactly once."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from core.models import OutboxMessage
from core.notify import send_email, send_sms
from core.tasks import deliver, outbox_redispatch

SECRET = "JBSWY3DPEHPK3PXP"
BTC_ADDRESS = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"


@pytest.fixture
def broker_down(monkeypatch):
    """The broker refuses connections: kombu raises at publish, as with Redis stopped."""
    from kombu.messaging import Producer

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(Producer, "publish", refuse)
    return monkeypatch


@pytest.fixture
def withdrawing_customer(user_factory, api_client):
    from allauth.mfa.totp.internal.auth import TOTP

    from wallet.tests.helpers import fund, usable_address

    user = user_factory(email="withdraw@example.jp", language="ja")
    TOTP.activate(user, SECRET)
    fund(user, "BTC", "1")
    address = usable_address(user)
    api_client.client.force_login(user)
    return user, address


def _code() -> str:
    from tests_support.totp import totp

    return totp(SECRET, at=int(time.time()))


@pytest.mark.django_db
def test_a_withdrawal_succeeds_while_the_broker_is_down_and_its_email_goes_out_once_later(
    settings, broker_down, withdrawing_customer, api_client, outbox
):
    from config.celery import app
    from wallet.models import Withdrawal

    settings.MADOGUCHI_TASKS = "celery"
    user, address = withdrawing_customer

    # when the customer withdraws while Redis (the broker) is unreachable
    response = api_client.post(
        "/api/v1/withdrawals", {"currency": "BTC", "amount": "0.1", "address_id": address.pk, "code": _code()}
    )

    # then the request is acknowledged (no 500, so the app does not retry into a second withdrawal)
    assert response.status_code == 201, response.content
    assert Withdrawal.objects.filter(user=user).count() == 1
    # and its email waits in the outbox, committed with the withdrawal
    assert outbox.emails(to=user.email) == []
    [row] = OutboxMessage.objects.pending()
    assert row.dispatched_at is None

    # when the broker is back and the periodic re-dispatch runs (twice: beat may overlap)
    broker_down.undo()
    app.conf.task_always_eager = True
    try:
        row.created_at = row.created_at - dt.timedelta(seconds=5)
        row.save(update_fields=["created_at"])
        assert outbox_redispatch() == 1
        assert outbox_redispatch() == 0
    finally:
        app.conf.task_always_eager = False

    # then the email went out exactly once, and the row holds no payload any more
    [mail] = outbox.emails(to=user.email)
    assert mail.kind == "wallet_withdrawal_requested"
    row.refresh_from_db()
    assert row.delivered_at is not None and row.payload == {}


@pytest.mark.django_db
def test_a_redelivered_message_is_not_sent_twice(outbox):
    with transaction.atomic():
        send_email(to="twice@example.jp", kind="account_frozen", context={})
    [mail] = outbox.emails(to="twice@example.jp")
    row = OutboxMessage.objects.get()

    # the broker hands the same message over again (visibility timeout, a killed worker)
    assert deliver(row.pk) == "skipped"
    assert deliver(row.pk) == "skipped"

    assert len(outbox.emails(to="twice@example.jp")) == 1
    assert row.key.hex in mail.path.name


@pytest.mark.django_db
def test_a_worker_killed_after_sending_does_not_cause_a_second_message(outbox):
    """The worker died after the sender accepted the SMS but before the row was marked:
    the lease expires, the row is delivered again, and the key stops the second send."""
    with transaction.atomic():
        send_sms(to="+819011112222", kind="code-login", body="Your code: 123456")
    [first] = outbox.sms(to="+819011112222")
    row = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=row.pk).update(
        delivered_at=None,
        payload={"kind": "code-login", "body": "Your code: 123456", "to": "+819011112222"},
        claimed_until=timezone.now() - dt.timedelta(seconds=1),
    )

    assert deliver(row.pk) == "delivered"

    assert [s.path for s in outbox.sms(to="+819011112222")] == [first.path]


@pytest.mark.django_db
def test_a_claimed_row_is_not_delivered_by_a_second_worker(outbox):
    with transaction.atomic():
        row_id = OutboxMessage.objects.create(
            task="core.notify:deliver_sms",
            payload={"kind": "code-login", "body": "x", "to": "+819000000001"},
            claimed_until=timezone.now() + dt.timedelta(seconds=60),
        ).pk

    assert deliver(row_id) == "skipped"
    assert outbox.sms() == []


@pytest.mark.django_db
def test_a_failed_delivery_is_retried_later_and_then_sent(settings, outbox, monkeypatch):
    from core import notify

    calls = {"n": 0}
    real = notify.deliver_sms

    def flaky(**kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("SMS provider timed out")
        real(**kwargs)

    monkeypatch.setattr(notify, "deliver_sms", flaky)
    send_sms(to="+819033334444", kind="code-login", body="code 654321")
    assert outbox.sms() == []
    row = OutboxMessage.objects.get()
    assert row.last_error == "ConnectionError" and row.next_attempt_at > timezone.now()
    assert "654321" not in row.last_error

    # the retry time comes
    OutboxMessage.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now(), created_at=timezone.now() - dt.timedelta(seconds=10)
    )
    assert outbox_redispatch() == 1
    assert len(outbox.sms(to="+819033334444")) == 1


@pytest.mark.django_db
def test_a_side_effect_is_a_row_in_the_same_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        send_email(to="rolled@example.jp", kind="account_frozen", context={"amount": Decimal("1.5")})
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("the change failed")

    assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db
def test_delivery_logs_json_lines_with_the_originating_request_id(client, user_factory, outbox):
    from core.logging import json_formatter

    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Collect()
    handler.setFormatter(json_formatter())
    tasks_logger = logging.getLogger("madoguchi.tasks")
    tasks_logger.addHandler(handler)
    try:
        user = user_factory(email="freeze-log@example.jp")
        client.force_login(user)
        response = client.post("/recovery/freeze/", headers={"X-Request-ID": "drill-req-000123"})
        assert response.status_code in {200, 302}
        outbox.emails()
    finally:
        tasks_logger.removeHandler(handler)

    delivered = [json.loads(line) for line in lines if '"outbox.delivered"' in line]
    assert delivered, lines
    assert all(entry["request_id"] == "drill-req-000123" for entry in delivered)
    assert OutboxMessage.objects.filter(request_id="drill-req-000123").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_broker_down_then_a_real_worker_delivers_exactly_once(settings, broker_down, outbox):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app
    from core.tasks import publish

    settings.MADOGUCHI_TASKS = "celery"
    send_email(to="later@example.jp", kind="account_frozen", context={})  # commits; publish refused
    row = OutboxMessage.objects.get(payload__to="later@example.jp")
    assert row.dispatched_at is None
    broker_down.undo()

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=10):
        OutboxMessage.objects.filter(pk=row.pk).update(created_at=timezone.now() - dt.timedelta(seconds=5))
        assert outbox_redispatch() == 1
        assert publish(row.pk)  # and the broker redelivers it once more
        deadline = time.monotonic() + 30
        while OutboxMessage.objects.pending().filter(pk=row.pk).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # let the redelivered message be consumed too (it must be a no-op)

    assert len(outbox.emails(to="later@example.jp")) == 1


@pytest.mark.django_db
def test_delivered_and_dead_rows_are_purged_after_the_keep_period(settings):
    from core.tasks import outbox_purge

    settings.MADOGUCHI_OUTBOX_KEEP_DAYS = 7
    old = timezone.now() - dt.timedelta(days=8)
    OutboxMessage.objects.create(task="core.notify:deliver_sms", delivered_at=old)
    OutboxMessage.objects.create(task="core.notify:deliver_sms", dead_at=old, payload={"body": "code 111111"})
    recent = OutboxMessage.objects.create(task="core.notify:deliver_sms", delivered_at=timezone.now())
    pending = OutboxMessage.objects.create(task="core.notify:deliver_sms", created_at=old)

    assert outbox_purge() == 2
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, pending.pk}


def test_celery_messages_carry_the_request_id_to_the_worker_logs():
    import structlog

    from config.celery import _bind_request_id, _request_id_header
    from core.request_context import current_request_id, set_request_id

    set_request_id("req-from-web-0001")
    headers: dict[str, Any] = {"task": "madoguchi.deliver"}
    try:
        _request_id_header(headers=headers)
    finally:
        set_request_id(None)
    beat_headers: dict[str, Any] = {"task": "madoguchi.run"}
    _request_id_header(headers=beat_headers)  # beat: no request

    class Task:
        name = "madoguchi.deliver"
        request = type("Request", (), {"request_id": headers["request_id"]})()

    _bind_request_id(task=Task())
    try:
        bound = structlog.contextvars.get_contextvars()
        assert current_request_id() == "req-from-web-0001"
    finally:
        structlog.contextvars.clear_contextvars()
        set_request_id(None)

    assert headers["request_id"] == "req-from-web-0001"
    assert beat_headers["request_id"].startswith("beat-")
    assert bound["request_id"] == "req-from-web-0001"


@pytest.mark.django_db
def test_a_hand_off_that_fails_after_commit_never_fails_the_request(client, user_factory, monkeypatch):
    from django.db import OperationalError as DatabaseError

    import core.tasks

    def locked(message_id: int) -> str:
        raise DatabaseError("database is locked")

    monkeypatch.setattr(core.tasks, "deliver", locked)
    client.force_login(user_factory(email="locked@example.jp"))

    response = client.post("/recovery/freeze/")

    assert response.status_code == 200
    assert OutboxMessage.objects.pending().filter(payload__to="locked@example.jp").exists()
