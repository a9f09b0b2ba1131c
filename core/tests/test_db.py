"""core.db.PrimaryKeyLoader: the same instance the ORM's get() gives, on every backend."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.db import PrimaryKeyLoader


def _field_values(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.django_db
def test_loads_every_field_exactly_as_the_orm_does(user_factory: Any) -> None:
    user = user_factory(
        full_name="山田 花子",
        full_name_kana="ヤマダ ハナコ",
        date_of_birth=dt.date(1990, 4, 1),
        show_total_in_header=False,
        withdrawal_hold_until=timezone.now() + dt.timedelta(hours=3),
    )
    user.last_login = timezone.now()
    user.save()
    loaded = PrimaryKeyLoader(get_user_model()).get(user.pk)
    expected = get_user_model().objects.get(pk=user.pk)
    assert loaded is not None
    assert _field_values(loaded) == _field_values(expected)
    assert isinstance(loaded.date_of_birth, dt.date)
    assert loaded.withdrawal_hold_until is not None and loaded.withdrawal_hold_until.tzinfo is not None
    assert loaded.show_total_in_header is False
    assert loaded._state.adding is False and loaded._state.db == "default"
    assert loaded.check_password("Passw0rd-test")


@pytest.mark.django_db
def test_one_query_and_none_for_unknown_or_malformed_keys(user_factory: Any) -> None:
    user = user_factory()
    loader = PrimaryKeyLoader(get_user_model())
    loader.get(user.pk)  # compiled on first use
    with CaptureQueriesContext(connection) as queries:
        assert loader.get(str(user.pk)) == user  # the session stores the id as text
    assert len(queries) == 1
    assert loader.get(user.pk + 1000) is None
    assert loader.get("not-a-number") is None
    assert loader.get(None) is None


@pytest.mark.django_db(transaction=True)
def test_each_thread_uses_its_own_connection(user_factory: Any) -> None:
    user = user_factory()
    loader = PrimaryKeyLoader(get_user_model())
    found: list[Any] = []

    def load() -> None:
        try:
            found.append(loader.get(user.pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=load) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [user, user, user]
