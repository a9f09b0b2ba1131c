"""core.users.signed_in_user: the request's user as the real model, or 403."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from accounts.models import User
from core.users import signed_in_user

pytestmark = pytest.mark.django_db


def test_a_signed_in_customer_is_returned_as_the_user_model(rf, user_factory):
    request = rf.get("/")
    request.user = user_factory(email="signed-in@example.jp")
    user = signed_in_user(request)
    assert isinstance(user, User) and user.email == "signed-in@example.jp"


def test_nobody_signed_in_is_refused(rf):
    request = rf.get("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        signed_in_user(request)
