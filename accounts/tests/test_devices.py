"""Known devices at sign-in (accounts.services.device_seen): what the customer is told.

First device ever: recorded, no alarm. The same device again: nothing. Another device: one
"new sign-in" email and a ``login.new_device`` row. Two sign-ins of one device at the same
moment: one row, at most one email. On PostgreSQL the record is one statement; the two-step
path (SQLite, other databases, a save receiver on the model) is run here on every database
too, so both paths are held to the same answers.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from accounts.services import devices
from core.models import AuditEvent, KnownDevice

pytestmark = pytest.mark.django_db

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
APP_LOGIN = "/_allauth/app/v1/auth/login"  # apps are told apart by their user agent


@pytest.fixture(params=["as_configured", "two_steps"])
def device_path(request: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test below runs through the path the database gets (one statement on
    PostgreSQL) and through the two-step fallback."""
    if request.param == "two_steps":
        monkeypatch.setattr(devices, "_record_device", devices._record_device_two_steps)
    return str(request.param)


def _sign_in(rf: Any, user: Any, user_agent: str, ip: str = "203.0.113.7") -> bool:
    return devices.device_seen(user=user, request=rf.post(APP_LOGIN, HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip))


def _alarms(user: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(user=user, event="login.new_device"))


def test_the_first_device_is_recorded_without_an_alarm(device_path, rf, user_factory, outbox):
    user = user_factory()

    assert _sign_in(rf, user, IPHONE) is True

    assert list(KnownDevice.objects.filter(user=user).values_list("user_agent", flat=True)) == [IPHONE]
    assert not outbox.emails(to=user.email, kind="new_device_signin")
    assert not _alarms(user)


def test_the_same_device_again_changes_nothing(device_path, rf, user_factory, outbox):
    user = user_factory()
    _sign_in(rf, user, IPHONE)
    _sign_in(rf, user, LAPTOP)
    before = list(KnownDevice.objects.filter(user=user).order_by("pk").values())
    mails = len(outbox.emails(to=user.email, kind="new_device_signin"))

    assert _sign_in(rf, user, IPHONE) is False

    assert list(KnownDevice.objects.filter(user=user).order_by("pk").values()) == before
    assert len(outbox.emails(to=user.email, kind="new_device_signin")) == mails == 1
    assert len(_alarms(user)) == 1


def test_another_device_emails_the_customer_and_leaves_a_row(device_path, rf, user_factory, outbox):
    user = user_factory()
    _sign_in(rf, user, LAPTOP)

    assert _sign_in(rf, user, IPHONE, ip="198.51.100.20") is True

    [mail] = outbox.emails(to=user.email, kind="new_device_signin")
    assert "iPhone" in mail.body and "198.51.100.20" in mail.body
    [alarm] = _alarms(user)
    assert (alarm.data, alarm.ip, alarm.user_agent) == ({"user_agent": IPHONE}, "198.51.100.20", IPHONE)
    assert KnownDevice.objects.filter(user=user).count() == 2


def test_devices_are_per_customer(device_path, rf, user_factory, outbox):
    # the same phone model signing in to two accounts is a first device for each
    hanako, taro = user_factory(), user_factory()
    _sign_in(rf, hanako, IPHONE)

    assert _sign_in(rf, taro, IPHONE) is True

    assert not outbox.emails(kind="new_device_signin")
    assert KnownDevice.objects.filter(user=taro).count() == 1


def test_a_device_recorded_by_a_concurrent_sign_in_is_not_announced_twice(rf, user_factory, outbox, monkeypatch):
    # The two-step path: the other sign-in of the same device records it between this
    # one's read and its INSERT; the unique key refuses the second row, and no email goes.
    monkeypatch.setattr(devices, "_record_device", devices._record_device_two_steps)
    user = user_factory()
    _sign_in(rf, user, LAPTOP)
    device_hash = hashlib.sha256(f"{user.pk}:{IPHONE}".encode()).hexdigest()
    raced: list[bool] = []
    insert = devices._insert_known_device

    def other_sign_in_first(**kwargs: Any) -> bool:
        raced.append(True)
        KnownDevice.objects.create(user=user, device_hash=device_hash, user_agent=IPHONE)
        return insert(**kwargs)

    monkeypatch.setattr(devices, "_insert_known_device", other_sign_in_first)
    assert _sign_in(rf, user, IPHONE) is False

    assert raced
    assert KnownDevice.objects.filter(user=user, device_hash=device_hash).count() == 1
    assert not outbox.emails(to=user.email, kind="new_device_signin")
    assert not _alarms(user)


def test_a_save_receiver_on_the_model_is_never_skipped(rf, user_factory):
    seen: list[str] = []

    def receiver(sender: Any, instance: KnownDevice, created: bool, **kwargs: Any) -> None:
        seen.append(instance.user_agent)

    user = user_factory()
    post_save.connect(receiver, sender=KnownDevice, weak=False)
    try:
        _sign_in(rf, user, IPHONE)
    finally:
        post_save.disconnect(receiver, sender=KnownDevice)

    assert seen == [IPHONE]


@pytest.mark.django_db(transaction=True)
def test_a_new_device_costs_one_statement_on_postgresql(rf, user_factory):
    user = user_factory()
    _sign_in(rf, user, LAPTOP)

    with CaptureQueriesContext(connection) as new_device:
        _sign_in_quietly(rf, user, IPHONE)
    with CaptureQueriesContext(connection) as known_device:
        _sign_in_quietly(rf, user, IPHONE)

    statements = [q["sql"] for q in new_device.captured_queries if "core_knowndevice" in q["sql"]]
    assert len(statements) == (1 if connection.vendor == "postgresql" else 2), statements
    assert len([q for q in known_device.captured_queries if "core_knowndevice" in q["sql"]]) == 1


def _sign_in_quietly(rf: Any, user: Any, user_agent: str) -> None:
    from unittest import mock

    with mock.patch.object(devices, "send_email"), mock.patch.object(devices, "audit_log"):
        _sign_in(rf, user, user_agent)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["as_configured", "two_steps"])
@pytest.mark.parametrize("had_a_device", [False, True])
def test_two_simultaneous_sign_ins_of_one_device_make_one_row_and_at_most_one_email(
    path, had_a_device, rf, user_factory, outbox, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (two connections; SQLite locks the whole test database)")
    if path == "two_steps":
        monkeypatch.setattr(devices, "_record_device", devices._record_device_two_steps)
    from django.db import transaction

    user = user_factory()
    if had_a_device:
        _sign_in(rf, user, LAPTOP)
    recorded_uncommitted, commit = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    def first() -> None:
        # the first sign-in has recorded the phone and not committed yet
        try:
            with transaction.atomic():
                results["first"] = _sign_in(rf, user, IPHONE)
                recorded_uncommitted.set()
                commit.wait(timeout=10)
        except Exception as exc:  # noqa: BLE001 - asserted below
            results["first"] = exc
        finally:
            recorded_uncommitted.set()
            connection.close()

    def second() -> None:
        try:
            results["second"] = _sign_in(rf, user, IPHONE)
        except Exception as exc:  # noqa: BLE001 - asserted below
            results["second"] = exc
        finally:
            connection.close()

    one = threading.Thread(target=first)
    one.start()
    assert recorded_uncommitted.wait(timeout=10)
    two = threading.Thread(target=second)
    two.start()
    time.sleep(0.5)
    waited = two.is_alive()  # the second waits on the first's row
    commit.set()
    one.join(timeout=20)
    two.join(timeout=20)

    assert waited
    assert results == {"first": True, "second": False}
    assert KnownDevice.objects.filter(user=user, user_agent=IPHONE).count() == 1
    assert len(outbox.emails(to=user.email, kind="new_device_signin")) == (1 if had_a_device else 0)
    assert len(_alarms(user)) == (1 if had_a_device else 0)
