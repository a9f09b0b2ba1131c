"""Who may see which case and image: strangers get 404 everywhere; only reviewers decide."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.roles import IDENTITY_REVIEWER, SUPERVISOR, SUPPORT_AGENT
from core.errors import ApplicationError
from recovery import services
from recovery.models import IdentityCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(user_factory, good_selfie):
    owner = user_factory(email="owner@example.jp", phone="+819012345678", full_name="山田 花子")
    details = {
        "full_name": "山田 花子",
        "address": "東京都千代田区丸の内1-2-3",
        "date_of_birth": dt.date(1990, 4, 1),
        "registered_phone": owner.phone,
        "emails": owner.email,
    }
    return services.identity_case_submit(user=owner, purpose="two_factor_reset", details=details, image=good_selfie)


def _urls(case):
    document = case.documents.get()
    return [
        f"/recovery/identity/{case.pk}/",
        f"/recovery/identity/{case.pk}/documents/{document.pk}/",
        f"/api/v1/recovery/identity-cases/{case.pk}",
        f"/recovery/staff/cases/{case.pk}/",
        f"/recovery/staff/documents/{document.pk}/",
    ]


@pytest.mark.parametrize("who", ["anonymous", "other_customer", "non_reviewer_staff"])
def test_strangers_get_404_on_every_case_and_image_url(client, case, user_factory, staff_factory, who):
    if who == "other_customer":
        client.force_login(user_factory(email="other@example.jp"))
    elif who == "non_reviewer_staff":
        client.force_login(staff_factory(roles=[SUPPORT_AGENT], email="helpdesk@example.jp"))
    for url in _urls(case):
        response = client.get(url)
        expected = {404, 401} if (url.startswith("/api/") and who == "anonymous") else {404}
        assert response.status_code in expected, (who, url, response.status_code)
    # and posting a decision does nothing
    response = client.post(f"/recovery/staff/cases/{case.pk}/", {"decision": "approve"})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == "submitted"


def test_staff_list_is_hidden_from_non_reviewers(client, staff_factory, user_factory):
    client.force_login(user_factory(email="c@example.jp"))
    assert client.get("/recovery/staff/cases/").status_code == 404
    client.force_login(staff_factory(roles=[SUPPORT_AGENT], email="s@example.jp"))
    assert client.get("/recovery/staff/cases/").status_code == 404


def test_owner_sees_own_case_and_image(client, case):
    client.force_login(case.user)
    for url in _urls(case)[:3]:
        assert client.get(url).status_code == 200, url
    image = client.get(_urls(case)[1])
    assert image["X-Content-Type-Options"] == "nosniff"
    assert image["Content-Disposition"].startswith("attachment")


def test_supervisor_may_view_but_not_approve(client, case, staff_factory):
    supervisor = staff_factory(roles=[SUPERVISOR], email="boss@example.jp")
    client.force_login(supervisor)
    assert client.get(f"/recovery/staff/cases/{case.pk}/").status_code == 200
    assert client.get(_urls(case)[4]).status_code == 200
    response = client.post(f"/recovery/staff/cases/{case.pk}/", {"decision": "approve"})
    assert response.status_code == 403
    with pytest.raises(ApplicationError) as denied:
        services.identity_case_approve(case=case, actor=supervisor)
    assert denied.value.code == "permission_denied"
    case.refresh_from_db()
    assert case.status == IdentityCase.Status.SUBMITTED


def test_reviewer_cannot_decide_own_case(staff_factory, good_selfie):
    reviewer = staff_factory(roles=[IDENTITY_REVIEWER], email="rev@example.jp", phone="+819011110000")
    details = {
        "full_name": "x",
        "address": "y",
        "date_of_birth": "1990-01-01",
        "registered_phone": reviewer.phone,
        "emails": reviewer.email,
    }
    own = services.identity_case_submit(user=reviewer, purpose="two_factor_reset", details=details, image=good_selfie)
    with pytest.raises(ApplicationError) as denied:
        services.identity_case_approve(case=own, actor=reviewer)
    assert denied.value.code == "permission_denied"


def test_api_case_of_another_customer_is_404(api_client, case, user_factory):
    api_client.client.force_login(user_factory(email="nosy@example.jp"))
    response = api_client.get(f"/api/v1/recovery/identity-cases/{case.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_resubmission_link_never_reveals_earlier_images(client, case, user_factory):
    from recovery.models import IdentityCase as Case

    reviewer_case = Case.objects.get(pk=case.pk)
    reviewer_case.status = "rejected"
    reviewer_case.save(update_fields=["status"])
    link = services.resubmit_link(reviewer_case)
    response = client.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert response.status_code == 302
    assert client.get(f"/recovery/identity/{case.pk}/").status_code == 200  # may resubmit
    assert client.get(_urls(case)[1]).status_code == 404  # may not download the ID image
