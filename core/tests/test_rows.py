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


def test_update_fields_writes_only_those_columns_and_sends_saves_signals(user_factory: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import pre_save
    from django.utils import timezone

    from core.rows import update_fields

    user = user_factory(full_name="山田 花子")
    stale = get_user_model().objects.get(pk=user.pk)
    stale.full_name = "not saved"
    stale.last_login = timezone.now()
    seen: list[tuple[str, Any, Any]] = []

    def on_pre(sender: Any, instance: Any, update_fields: Any, **kwargs: Any) -> None:
        seen.append(("pre", instance.pk, update_fields))

    def on_post(sender: Any, instance: Any, created: bool, update_fields: Any, **kwargs: Any) -> None:
        seen.append(("post", created, update_fields))

    model = get_user_model()
    pre_save.connect(on_pre, sender=model, weak=False)
    post_save.connect(on_post, sender=model, weak=False)
    try:
        update_fields(stale, ("last_login",))
    finally:
        pre_save.disconnect(on_pre, sender=model)
        post_save.disconnect(on_post, sender=model)

    stored = model.objects.get(pk=user.pk)
    assert stored.last_login == stale.last_login
    assert stored.full_name == "山田 花子"  # only the named column
    assert seen == [("pre", user.pk, frozenset({"last_login"})), ("post", False, frozenset({"last_login"}))]


def test_update_fields_of_a_row_that_is_gone_raises_as_save_does(user_factory: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError

    from core.rows import update_fields

    user = user_factory()
    get_user_model().objects.filter(pk=user.pk).delete()
    with pytest.raises(DatabaseError):
        update_fields(user, ("last_login",))
