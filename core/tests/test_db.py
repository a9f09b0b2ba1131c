"""core.db loaders (PrimaryKeyLoader, iexact_loader): the same instances the ORM gives, on every backend."""

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


@pytest.mark.django_db
def test_the_iexact_loader_finds_what_the_orm_finds_and_no_wildcards(user_factory: Any) -> None:
    from core.db import iexact_loader

    user = user_factory(email="hanako_y@example.jp")
    user_factory(email="hanakoxy@example.jp")
    loader = iexact_loader(get_user_model(), "email", stand_in="stand-in@example.invalid")

    assert (
        loader.get("Hanako_Y@Example.JP") == get_user_model().objects.get(email__iexact="Hanako_Y@Example.JP") == user
    )
    assert _field_values(loader.get("HANAKO_Y@example.jp")) == _field_values(user)
    with pytest.raises(get_user_model().DoesNotExist):
        loader.get("hanako%@example.jp")  # "%" and "_" are letters here, as in the ORM's iexact
    with pytest.raises(get_user_model().DoesNotExist):
        loader.get("hanako_@example.jp")
    assert loader.first_rows(None, 2) == []


@pytest.mark.django_db
def test_a_lookup_that_is_not_one_parameter_is_refused() -> None:
    from core.db import RowLoader

    loader = RowLoader(get_user_model(), "email__in", stand_in=["a@example.jp", "b@example.jp"], prep=lambda c, v: v)
    with pytest.raises(ValueError, match="use the ORM"):
        loader.first_rows(["a@example.jp"], 1)


@pytest.mark.django_db
def test_the_sign_in_lookup_of_the_customer_is_one_query(user_factory: Any) -> None:
    user = user_factory(email="taro@example.jp")
    users = get_user_model().objects
    users.get_by_natural_key("taro@example.jp")  # compiled on first use
    with CaptureQueriesContext(connection) as queries:
        assert users.get_by_natural_key("TARO@example.jp") == user
    assert len(queries) == 1
    with pytest.raises(get_user_model().DoesNotExist):
        users.get_by_natural_key("nobody@example.jp")
