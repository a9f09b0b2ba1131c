import pytest

from accounts import roles

pytestmark = pytest.mark.django_db


def test_customers_do_not_see_the_staff_page(client, user_factory):
    client.force_login(user_factory())
    assert client.get("/staff/").status_code == 404


def test_an_agent_sees_only_the_consoles_of_their_roles(client, staff_factory):
    client.force_login(staff_factory(roles=[roles.SUPPORT_AGENT]))

    page = client.get("/staff/").content.decode()

    assert "/staff/support/" in page
    assert "/recovery/staff/cases/" not in page
    assert "/help/staff/articles/" not in page


def test_a_reviewer_sees_identity_cases(client, staff_factory):
    client.force_login(staff_factory(roles=[roles.IDENTITY_REVIEWER]))

    assert "/recovery/staff/cases/" in client.get("/staff/").content.decode()
