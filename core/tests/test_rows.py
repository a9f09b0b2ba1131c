"""core.rows.insert_row writes what Model.save() writes, and never skips a save receiver."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models.signals import post_save

from core.models import AuditEvent
from core.rows import insert_row

pytestmark = pytest.mark.django_db


def test_the_plain_insert_stores_the_row_with_its_key_and_auto_fields() -> None:
    row = insert_row(AuditEvent(event="login.success", ip="203.0.113.9", data={"method": "password"}))
    stored = AuditEvent.objects.get(pk=row.pk)
    assert (stored.event, stored.ip, stored.data, stored.visible_to_customer) == (
        "login.success",
        "203.0.113.9",
        {"method": "password"},
        True,
    )
    assert stored.created_at is not None
    assert row._state.adding is False


def test_a_model_with_a_save_receiver_goes_through_save() -> None:
    seen: list[int] = []

    def receiver(sender: Any, instance: AuditEvent, created: bool, **kwargs: Any) -> None:
        seen.append(instance.pk)

    post_save.connect(receiver, sender=AuditEvent, weak=False)
    try:
        row = insert_row(AuditEvent(event="login.success"))
    finally:
        post_save.disconnect(receiver, sender=AuditEvent)
    assert seen == [row.pk]
    assert AuditEvent.objects.filter(pk=row.pk).exists()
