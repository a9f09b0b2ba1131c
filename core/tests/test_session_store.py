"""core.sessions: a new id moves the session's row in one statement and leaves nothing behind."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _saved(**data: object) -> SessionStore:
    store = SessionStore()
    store.update(data)
    store.save()
    return store


def test_a_new_id_keeps_the_data_and_the_old_id_opens_nothing():
    store = _saved(stage="password")
    old_key = store.session_key
    store.cycle_key()
    store["_auth_user_id"] = "7"
    store.save()

    assert SessionStore(old_key).load() == {}
    assert dict(SessionStore(store.session_key).load()) == {"stage": "password", "_auth_user_id": "7"}
    assert list(Session.objects.values_list("session_key", flat=True)) == [store.session_key]


def test_the_row_is_moved_in_one_statement():
    store = _saved(stage="password")
    with CaptureQueriesContext(connection) as queries:
        store.cycle_key()
        store.save()

    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(writes) == 1 and writes[0].startswith("UPDATE")


def test_until_saved_the_old_row_holds_only_what_it_held_before(settings):
    store = _saved(stage="password")
    old_key = store.session_key
    store.cycle_key()
    store["_auth_user_id"] = "7"  # signed in under the new id only

    assert dict(SessionStore(old_key).load()) == {"stage": "password"}


def test_cycling_twice_before_saving_still_leaves_one_row():
    store = _saved(stage="password")
    old_key = store.session_key
    store.cycle_key()
    middle = store.session_key
    store.cycle_key()
    store.save()

    assert SessionStore(old_key).load() == {} and SessionStore(middle).load() == {}
    assert list(Session.objects.values_list("session_key", flat=True)) == [store.session_key]


def test_flushing_after_a_new_id_removes_the_old_row_too():
    store = _saved(stage="password")
    store.cycle_key()
    store.flush()

    assert not Session.objects.exists()


def test_when_the_old_row_was_ended_meanwhile_the_new_id_is_written_anyway():
    store = _saved(stage="password")
    old_key = store.session_key
    store.cycle_key()
    Session.objects.filter(session_key=old_key).delete()  # ended elsewhere
    store.save()

    assert dict(SessionStore(store.session_key).load()) == {"stage": "password"}


def test_a_brand_new_session_given_a_new_id_is_inserted():
    store = SessionStore()
    store["stage"] = "password"
    store.cycle_key()
    store.save()

    assert dict(SessionStore(store.session_key).load()) == {"stage": "password"}


def test_keys_are_32_characters_of_djangos_alphabet_and_differ():
    keys = {SessionStore()._get_new_session_key() for _ in range(2000)}

    assert len(keys) == 2000
    assert all(len(key) == 32 and set(key) <= set(VALID_KEY_CHARS) for key in keys)
    # every character position uses the whole alphabet (no digit stuck by the base-36 writing)
    for position in (0, 15, 31):
        assert {key[position] for key in keys} == set(VALID_KEY_CHARS)
