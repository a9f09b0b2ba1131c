"""Customers are found by email case-insensitively, and on PostgreSQL through the unique
index on lower(email) (core.db.LowerIExact): a sign-in never scans the customer table."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_any_capitalisation_of_the_address_finds_the_customer(user_factory):
    user = user_factory(email="hanako.yamada@example.jp")
    users = get_user_model().objects

    assert users.get(email__iexact="Hanako.Yamada@EXAMPLE.jp") == user
    assert users.get_by_natural_key("HANAKO.YAMADA@example.jp") == user
    assert not users.filter(email__iexact="hanako.yamada@example.j").exists()
    assert not users.filter(email__iexact="hanako_yamada@example.jp").exists()  # "_" is no wildcard
    assert not users.filter(email__iexact="hanako%@example.jp").exists()


def test_signing_in_with_a_capitalised_address_works(api_client, user_factory):
    user_factory(email="taro@example.jp")

    response = api_client.login_app("TARO@Example.JP", TEST_PASSWORD)

    assert response.status_code == 401  # the password is right; the second step is pending
    assert response.json()["data"]["flows"]


@pytest.mark.postgres  # index plans are PostgreSQL's
def test_the_lookup_by_email_uses_the_unique_index_on_postgresql(user_factory):
    for n in range(3):
        user_factory(email=f"customer{n}@example.jp")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask what could serve it
        plan = get_user_model().objects.filter(email__iexact="Customer1@example.jp").explain()

    assert "user_email_ci_unique" in plan
