import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import roles
from conftest import run_pending_on_commit
from support import services
from support.models import Inquiry, Status
from support.tests.factories import SECURITY_FIELDS, create_funds

pytestmark = pytest.mark.django_db


@pytest.fixture
def hanako(user_factory):
    return user_factory(email="hanako@example.jp", full_name="山田花子")


@pytest.fixture
def agent_client(staff_factory):
    agent = staff_factory(roles=[roles.SUPPORT_AGENT, roles.SECURITY_AGENT], email="agent@example.jp")
    c = Client()
    c.force_login(agent)
    c.agent = agent
    return c


def test_queue_page_shows_counts_and_rows(hanako, agent_client):
    inquiry = create_funds(hanako)
    services.inquiry_create(
        customer=hanako, category_slug="security", fields=SECURITY_FIELDS, description="不正ログインの疑いがあります。"
    )
    page = agent_client.get("/staff/support/?queue=funds").content.decode()
    assert inquiry.reference in page
    assert 'data-queue="funds"' in page and 'data-queue="security"' in page


def test_queue_page_query_count_is_constant(hanako, agent_client, settings, user_factory):
    settings.MADOGUCHI_SUPPORT_CREATE_LIMIT_PER_HOUR = 100

    def run():
        run_pending_on_commit()
        with CaptureQueriesContext(connection) as ctx:
            assert agent_client.get("/staff/support/").status_code == 200
        return len(ctx.captured_queries)

    create_funds(hanako)
    run()
    few = run()
    for i in range(12):
        create_funds(user_factory(), allow_duplicate=True)
        if i % 3 == 0:
            services.inquiry_assign(
                agent=agent_client.agent, inquiry=Inquiry.objects.latest("id"), assignee=agent_client.agent
            )
    assert run() == few


def test_japanese_search_finds_by_partial_words(hanako, agent_client):
    inquiry = create_funds(hanako, description="ビットコインの入金がまだ反映されていません。")
    other = create_funds(hanako, allow_duplicate=True, description="出金の手数料について教えてください。")
    page = agent_client.get("/staff/support/", {"q": "反映"}).content.decode()
    assert inquiry.reference in page and other.reference not in page
    page = agent_client.get("/staff/support/", {"q": "ﾋﾞｯﾄｺｲﾝ"}).content.decode()  # half-width katakana
    assert inquiry.reference in page
    page = agent_client.get("/staff/support/", {"q": "hanako@exa"}).content.decode()
    assert inquiry.reference in page and other.reference in page
    page = agent_client.get("/staff/support/", {"q": inquiry.reference.lower()}).content.decode()
    assert inquiry.reference in page and other.reference not in page


def test_staff_reply_with_canned_reply_and_history(hanako, agent_client, outbox):
    inquiry = create_funds(hanako)
    response = agent_client.post(
        f"/staff/support/inquiries/{inquiry.pk}/reply/", {"canned": "deposit_credited", "internal": "0"}
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == Status.WAITING
    assert outbox.emails(to="hanako@example.jp", kind="support_reply")
    page = agent_client.get(f"/staff/support/inquiries/{inquiry.pk}/").content.decode()
    assert "山田花子 様" in page  # canned reply rendered in the thread
    assert 'id="history"' in page and "reply" in page
    assert 'id="security-context"' in page


def test_collision_warning_shows_other_agent(hanako, agent_client, staff_factory):
    inquiry = create_funds(hanako)
    other = staff_factory(roles=[roles.SUPPORT_AGENT], email="colleague@example.jp")
    c2 = Client()
    c2.force_login(other)
    assert c2.post(f"/staff/support/inquiries/{inquiry.pk}/presence/", {"mode": "replying"}).json() == {"others": []}
    page = agent_client.get(f"/staff/support/inquiries/{inquiry.pk}/").content.decode()
    assert "colleague@example.jp" in page
    data = agent_client.post(f"/staff/support/inquiries/{inquiry.pk}/presence/", {"mode": "viewing"}).json()
    assert data["others"] == [{"name": "colleague@example.jp", "mode": "replying"}]
    c2.post(f"/staff/support/inquiries/{inquiry.pk}/presence/", {"mode": "leave"})
    assert agent_client.post(f"/staff/support/inquiries/{inquiry.pk}/presence/").json() == {"others": []}


def test_security_agent_freezes_from_console(hanako, agent_client):
    inquiry = services.inquiry_create(
        customer=hanako, category_slug="security", fields=SECURITY_FIELDS, description="不正ログインの疑いがあります。"
    )
    page = agent_client.get(f"/staff/support/inquiries/{inquiry.pk}/").content.decode()
    assert 'id="staff-freeze"' in page
    agent_client.post(f"/staff/support/inquiries/{inquiry.pk}/freeze/")
    hanako.refresh_from_db()
    assert hanako.frozen_at is not None


def test_plain_agent_cannot_freeze(hanako, staff_factory):
    from core.errors import ApplicationError

    agent = staff_factory(roles=[roles.SUPPORT_AGENT])
    inquiry = create_funds(hanako)
    with pytest.raises(ApplicationError) as exc:
        services.customer_freeze_by_staff(agent=agent, inquiry=inquiry)
    assert exc.value.status == 403
    hanako.refresh_from_db()
    assert hanako.frozen_at is None
