"""Identity cases on the review desk: claim and assignee, review SLA, translated labels and
the customer's security context; strangers get 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import IDENTITY_REVIEWER, SUPERVISOR, SUPPORT_AGENT
from core.errors import ApplicationError
from core.models import AuditEvent
from recovery import selectors, services
from recovery.models import CaseDecision, IdentityCase, IdentityDocument

pytestmark = pytest.mark.django_db

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


@pytest.fixture
def customer(user_factory):
    return user_factory(email="hanako@example.jp", full_name="山田 花子", language="ja")


@pytest.fixture
def reviewer(staff_factory):
    return staff_factory(roles=[IDENTITY_REVIEWER], email="rev1@example.jp")


@pytest.fixture
def other_reviewer(staff_factory):
    return staff_factory(roles=[IDENTITY_REVIEWER], email="rev2@example.jp")


def _case(user, *, hours_ago: float = 1, warnings=("glare",)):
    submitted = timezone.now() - dt.timedelta(hours=hours_ago)
    return IdentityCase.objects.create(
        user=user,
        purpose="two_factor_reset",
        full_name="山田 花子",
        address="東京都千代田区",
        date_of_birth=dt.date(1990, 4, 1),
        registered_phone="+819012345678",
        first_submitted_at=submitted,
        submitted_at=submitted,
        warnings=list(warnings),
    )


def _client(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="ja")
    c.force_login(user)
    return c


def test_reviewer_claims_and_releases_a_case_audited(customer, reviewer):
    case = _case(customer)
    client = _client(reviewer)
    assert client.post(f"/recovery/staff/cases/{case.pk}/claim/").status_code == 302
    case.refresh_from_db()
    assert case.assignee == reviewer and case.claimed_at is not None
    row = AuditEvent.objects.get(event="identity_case.claimed")
    assert row.actor == reviewer and row.user == customer and not row.visible_to_customer
    page = client.get(f"/recovery/staff/cases/{case.pk}/").content.decode()
    assert "rev1@example.jp" in page and 'id="release-case"' in page
    client.post(f"/recovery/staff/cases/{case.pk}/claim/", {"release": "1"})
    case.refresh_from_db()
    assert case.assignee is None
    assert AuditEvent.objects.filter(event="identity_case.released").exists()


def test_a_claimed_case_cannot_be_taken_by_another_reviewer(customer, reviewer, other_reviewer, staff_factory):
    case = _case(customer)
    services.identity_case_claim(case=case, actor=reviewer)
    with pytest.raises(ApplicationError) as exc:
        services.identity_case_claim(case=case, actor=other_reviewer)
    assert exc.value.code == "case_claimed"
    case.refresh_from_db()
    assert case.assignee == reviewer
    supervisor = staff_factory(roles=[IDENTITY_REVIEWER, SUPERVISOR], email="sup@example.jp")
    services.identity_case_claim(case=case, actor=supervisor)
    case.refresh_from_db()
    assert case.assignee == supervisor


def test_staff_without_the_role_get_404(customer, staff_factory):
    case = _case(customer)
    agent = staff_factory(roles=[SUPPORT_AGENT], email="agent@example.jp")
    client = _client(agent)
    assert client.get(f"/recovery/staff/cases/{case.pk}/").status_code == 404
    assert client.post(f"/recovery/staff/cases/{case.pk}/claim/").status_code == 404
    assert _client(customer).post(f"/recovery/staff/cases/{case.pk}/claim/").status_code == 404
    case.refresh_from_db()
    assert case.assignee is None


def test_review_sla_and_translated_labels_in_the_list(customer, reviewer, settings):
    settings.MADOGUCHI_RECOVERY_IDENTITY_REVIEW_HOURS = 48
    fresh = _case(customer, hours_ago=1)
    late = _case(customer, hours_ago=50, warnings=("no_face", "blurry"))
    assert selectors.case_sla(fresh)["state"] == "ok"
    assert selectors.case_sla(late)["state"] == "breached"
    assert selectors.case_sla(_case(customer, hours_ago=40))["state"] == "warning"
    html = _client(reviewer).get("/recovery/staff/cases/").content.decode()
    late_row = html.split(f'data-case="{late.pk}"')[1].split("</tr>")[0]
    assert 'data-sla-state="breached"' in late_row
    assert "顔が見つからない" in late_row and "no_face" not in late_row
    fresh_row = html.split(f'data-case="{fresh.pk}"')[1].split("</tr>")[0]
    assert "書類に光の反射" in fresh_row and 'data-sla-state="ok"' in fresh_row


def test_mine_and_unassigned_views(customer, reviewer):
    mine = _case(customer)
    free = _case(customer)
    services.identity_case_claim(case=mine, actor=reviewer)
    assert list(selectors.identity_cases_for_staff(reviewer, status="mine")) == [mine]
    assert list(selectors.identity_cases_for_staff(reviewer, status="unassigned")) == [free]


def test_case_page_shows_security_context_and_translated_reasons(customer, reviewer):
    case = _case(customer)
    IdentityDocument.objects.create(
        case=case,
        submission=1,
        content_type="image/jpeg",
        sha256="0" * 64,
        size=1,
        width=1000,
        height=800,
        problems=["mirrored"],
    )
    CaseDecision.objects.create(
        case=case, actor=reviewer, decision="reject", reasons=["glare", "blurry"], submission=1, waited_seconds=60
    )
    AuditEvent.objects.create(user=customer, event="login.failed", ip="203.0.113.9", user_agent=CHROME)
    html = _client(reviewer).get(f"/recovery/staff/cases/{case.pk}/").content.decode()
    panel = html.split('id="security-context"')[1].split("</section>")[0]
    assert "Chrome 131 · Windows 10" in panel and "203.0.113.9" in panel
    assert "login.failed" not in panel.replace('data-event="login.failed"', "")
    history = html.split("<h2>", 1)[1]
    assert "左右反転" in html  # the document's pre-check problem, translated
    assert "['glare', 'blurry']" not in history and "glare, blurry" not in history
    assert 'id="case-sla"' in html
