"""Authorisation matrix: every inquiry, message and attachment URL is 404 for anyone who
may not see it; agents without the security role cannot see security inquiries."""

import pytest
from django.test import Client

from accounts import roles
from support import services
from support.tests.factories import SECURITY_FIELDS, create_funds, png_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(user_factory, staff_factory):
    hanako = user_factory(email="hanako@example.jp")
    other = user_factory(email="other@example.jp")
    funds = create_funds(hanako, attachments=[upload("s.png", png_bytes())])
    security = services.inquiry_create(
        customer=hanako,
        category_slug="security",
        fields=SECURITY_FIELDS,
        description="不正ログインの可能性があります。",
        attachments=[upload("s.png", png_bytes())],
    )
    agent = staff_factory(roles=[roles.SUPPORT_AGENT])
    security_agent = staff_factory(roles=[roles.SUPPORT_AGENT, roles.SECURITY_AGENT])
    note = services.inquiry_reply_staff(
        agent=security_agent, inquiry=funds, body="社内メモ", internal=True, attachments=[upload("n.png", png_bytes())]
    )
    return {
        "hanako": hanako,
        "other": other,
        "funds": funds,
        "security": security,
        "agent": agent,
        "security_agent": security_agent,
        "note_attachment": note.attachments.get(),
    }


def client_for(user):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def customer_urls(inquiry):
    att = inquiry.attachments.exclude(message__kind="note").first()
    return [
        ("get", f"/support/inquiries/{inquiry.pk}/"),
        ("post", f"/support/inquiries/{inquiry.pk}/"),
        ("post", f"/support/inquiries/{inquiry.pk}/close/"),
        ("get", f"/support/attachments/{att.token}/"),
        ("get", f"/api/v1/inquiries/{inquiry.pk}"),
        ("post", f"/api/v1/inquiries/{inquiry.pk}/messages"),
        ("post", f"/api/v1/inquiries/{inquiry.pk}/close"),
    ]


def status_of(client, method, url):
    if method == "get":
        return client.get(url).status_code
    return client.post(url, {"body": "他人の問い合わせへの返信"}).status_code


@pytest.mark.parametrize("which", ["funds", "security"])
def test_other_customer_gets_404_everywhere(world, which):
    c = client_for(world["other"])
    for method, url in customer_urls(world[which]):
        assert status_of(c, method, url) == 404, (method, url)


@pytest.mark.parametrize("which", ["funds", "security"])
def test_owner_reaches_everything(world, which):
    c = client_for(world["hanako"])
    for method, url in customer_urls(world[which]):
        if method == "get":
            assert c.get(url).status_code == 200, url


def test_anonymous_is_sent_to_sign_in_or_404(world):
    c = client_for(None)
    for method, url in customer_urls(world["funds"]):
        code = status_of(c, method, url)
        assert code in (302, 401, 404), (url, code)
        if "/attachments/" in url:
            assert code == 404


def test_internal_note_attachment_is_hidden_from_the_customer(world):
    c = client_for(world["hanako"])
    assert c.get(f"/support/attachments/{world['note_attachment'].token}/").status_code == 404
    page = c.get(f"/support/inquiries/{world['funds'].pk}/").content.decode()
    assert "社内メモ" not in page


def test_agent_without_security_role_cannot_see_security_inquiries(world):
    c = client_for(world["agent"])
    sec = world["security"]
    att = sec.attachments.first()
    assert c.get(f"/staff/support/inquiries/{sec.pk}/").status_code == 404
    assert c.post(f"/staff/support/inquiries/{sec.pk}/reply/", {"body": "x"}).status_code == 404
    assert c.post(f"/staff/support/inquiries/{sec.pk}/presence/").status_code == 404
    assert c.get(f"/support/attachments/{att.token}/").status_code == 404
    assert c.get("/staff/support/?queue=security").status_code == 404
    queue_page = c.get("/staff/support/").content.decode()
    assert sec.reference not in queue_page and world["funds"].reference in queue_page
    assert c.get(f"/staff/support/inquiries/{world['funds'].pk}/").status_code == 200


def test_security_agent_sees_security_inquiries(world):
    c = client_for(world["security_agent"])
    sec = world["security"]
    assert c.get(f"/staff/support/inquiries/{sec.pk}/").status_code == 200
    assert c.get(f"/support/attachments/{sec.attachments.first().token}/").status_code == 200
    assert sec.reference in c.get("/staff/support/?queue=security").content.decode()


def test_customers_cannot_reach_the_console(world):
    c = client_for(world["hanako"])
    assert c.get("/staff/support/").status_code == 404
    assert c.get(f"/staff/support/inquiries/{world['funds'].pk}/").status_code == 404


def test_attachment_response_headers(world):
    c = client_for(world["hanako"])
    att = world["funds"].attachments.exclude(message__kind="note").first()
    response = c.get(f"/support/attachments/{att.token}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
