import pytest

from accounts import demo as accounts_demo
from recovery import demo
from recovery.models import IdentityCase

pytestmark = pytest.mark.django_db


def test_demo_loads_one_case_for_the_agent_and_is_idempotent(client):
    accounts_demo.load()
    demo.load()
    demo.load()
    case = IdentityCase.objects.get()
    assert case.user.email == "taro@example.jp" and case.status == "submitted"
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(email="agent@example.jp"))
    html = client.get(f"/recovery/staff/cases/{case.pk}/").content.decode()
    assert 'data-field="full_name" data-matches="no"' in html
    assert 'data-field="address" data-matches="yes"' in html
