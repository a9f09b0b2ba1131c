import pytest

from accounts import demo as accounts_demo
from recovery import demo
from recovery.models import IdentityCase

pytestmark = pytest.mark.django_db


def test_demo_loads_one_case_for_the_agent_and_is_idempotent(client):
    from mfa import demo as mfa_demo

    accounts_demo.load()
    mfa_demo.load()  # the demo agent's authenticator: staff pages need one
    demo.load()
    demo.load()
    case = IdentityCase.objects.get()
    assert case.user.email == "taro@example.jp" and case.status == "submitted"
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(email="agent@example.jp"))
    html = client.get(f"/recovery/staff/cases/{case.pk}/").content.decode()
    assert 'data-field="full_name" data-matches="no"' in html
    assert 'data-field="address" data-matches="yes"' in html


def test_system_check_refuses_unsafe_hold_and_retention(settings):
    from recovery.checks import check_recovery_settings

    assert [m.id for m in check_recovery_settings() if m.level >= 40] == []
    settings.MADOGUCHI_RECOVERY_SELF_SERVICE_HOLD_HOURS = 6
    settings.MADOGUCHI_RECOVERY_RETENTION_DAYS = 0
    settings.MADOGUCHI_RECOVERY_RESET_LINK_HOURS = 72
    ids = {m.id for m in check_recovery_settings()}
    assert {"recovery.E001", "recovery.E002", "recovery.E004"} <= ids
