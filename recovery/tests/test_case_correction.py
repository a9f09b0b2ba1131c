"""A case rejected for "details do not match" is corrected on the web: the owner fixes the
details, sends it back (a new photo only when the photo was also refused), the reviewer sees
what changed; nobody else can open or change it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from core.models import AuditEvent
from recovery.models import CaseCorrection, IdentityCase
from recovery.tests import test_identity_cases as cases
from recovery.tests.conftest import sign_in_to_2fa_step
from recovery.tests.test_identity_cases import _details, _photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(user_factory: Any) -> Any:
    return cases.customer.__wrapped__(user_factory)  # type: ignore[attr-defined]


@pytest.fixture
def reviewer(staff_factory: Any) -> Any:
    return cases.reviewer.__wrapped__(staff_factory)  # type: ignore[attr-defined]


def _rejected_case(client: Client, customer: Any, reviewer: Any, good_selfie: bytes, reasons: list[str]) -> Any:
    sign_in_to_2fa_step(client, customer)
    response = client.post(
        "/recovery/identity/",
        {**_details(customer, address="東京都千代田区丸の内1-2-4"), "image": _photo(good_selfie)},
    )
    assert response.status_code == 302
    case = IdentityCase.objects.get(user=customer)
    staff = Client()
    staff.force_login(reviewer)
    assert (
        staff.post(f"/recovery/staff/cases/{case.pk}/", {"decision": "reject", "reasons": reasons}).status_code == 302
    )
    case.refresh_from_db()
    assert case.status == "rejected"
    return case


def _form_data(page: str) -> dict[str, str]:
    form = page[page.index('id="correct-form"') : page.index("</form>", page.index('id="correct-form"'))]
    data = dict(re.findall(r'<input type="(?:text|date)" name="(\w+)" value="([^"]*)"', form))
    data.update(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"[^>]*type="(?:text|date)"', form))
    emails = re.search(r'<textarea name="emails"[^>]*>\n?([^<]*)</textarea>', form)
    assert emails is not None
    data["emails"] = emails.group(1)
    if re.search(r'name="phone_changed"[^>]*checked', form):
        data["phone_changed"] = "on"
    return data


def test_the_owner_corrects_the_address_and_the_reviewer_sees_before_and_now(
    client: Client, customer: Any, reviewer: Any, good_selfie: bytes
):
    case = _rejected_case(client, customer, reviewer, good_selfie, ["details_mismatch"])
    # the case page offers the correction
    detail = client.get(f"/recovery/identity/{case.pk}/").content.decode()
    assert 'id="correct-details"' in detail
    # the form starts from what the case says (never from the registration: no leak of it)
    page = client.get(f"/recovery/identity/{case.pk}/correct/").content.decode()
    assert "東京都千代田区丸の内1-2-4" in page and "丸の内1-2-3" not in page
    data = _form_data(page)
    assert data["full_name"] == "山田 花子" and data["registered_phone"] == "090-1234-5678"
    # the photo was fine: the details alone go back for review
    data["address"] = "東京都千代田区丸の内1-2-3"
    response = client.post(f"/recovery/identity/{case.pk}/correct/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.status == "submitted" and case.submissions == 2 and case.address == "東京都千代田区丸の内1-2-3"
    assert case.documents.count() == 1  # no new photo was needed
    correction = CaseCorrection.objects.get(case=case)
    assert correction.changed == {
        "address": {"before": "東京都千代田区丸の内1-2-4", "after": "東京都千代田区丸の内1-2-3"}
    }
    audit = AuditEvent.objects.get(user=customer, event="identity_case.corrected")
    assert audit.data["fields"] == ["address"] and audit.data["new_photo"] is False
    # the reviewer sees the corrected details matching now, and what was changed
    staff = Client()
    staff.force_login(reviewer)
    html = staff.get(f"/recovery/staff/cases/{case.pk}/").content.decode()
    assert 'data-field="address" data-matches="yes"' in html
    table = html[html.index('id="corrections"') :]
    assert "<del>東京都千代田区丸の内1-2-4</del>" in table and "<ins>東京都千代田区丸の内1-2-3</ins>" in table
    # and the correction cannot be repeated while it is in review
    assert client.get(f"/recovery/identity/{case.pk}/correct/").status_code == 302
    again = client.post(f"/recovery/identity/{case.pk}/correct/", data)
    assert again.status_code == 302 and CaseCorrection.objects.count() == 1


def test_a_photo_is_required_when_the_photo_was_also_refused(
    client: Client, customer: Any, reviewer: Any, good_selfie: bytes
):
    case = _rejected_case(client, customer, reviewer, good_selfie, ["details_mismatch", "glare"])
    data = _form_data(client.get(f"/recovery/identity/{case.pk}/correct/").content.decode())
    data["address"] = "東京都千代田区丸の内1-2-3"
    response = client.post(f"/recovery/identity/{case.pk}/correct/", data)
    assert response.status_code == 200 and "写真も不備の理由だったため" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "rejected"
    response = client.post(f"/recovery/identity/{case.pk}/correct/", {**data, "image": _photo(good_selfie)})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "submitted" and case.documents.count() == 2
    assert CaseCorrection.objects.get(case=case).new_photo is True


def test_nothing_changed_is_refused(client: Client, customer: Any, reviewer: Any, good_selfie: bytes):
    case = _rejected_case(client, customer, reviewer, good_selfie, ["details_mismatch"])
    data = _form_data(client.get(f"/recovery/identity/{case.pk}/correct/").content.decode())
    response = client.post(f"/recovery/identity/{case.pk}/correct/", data)
    assert response.status_code == 200 and "変更がありません" in response.content.decode()
    assert not CaseCorrection.objects.exists()


def test_a_case_rejected_for_another_reason_offers_no_correction(
    client: Client, customer: Any, reviewer: Any, good_selfie: bytes
):
    case = _rejected_case(client, customer, reviewer, good_selfie, ["glare"])
    assert 'id="correct-details"' not in client.get(f"/recovery/identity/{case.pk}/").content.decode()
    response = client.post(f"/recovery/identity/{case.pk}/correct/", {"full_name": "x"})
    assert response.status_code == 302 and not CaseCorrection.objects.exists()


def test_nobody_but_the_owner_can_open_or_correct_the_case(
    client: Client, customer: Any, reviewer: Any, good_selfie: bytes, user_factory: Any
):
    case = _rejected_case(client, customer, reviewer, good_selfie, ["details_mismatch"])
    url = f"/recovery/identity/{case.pk}/correct/"
    data = {**_details(customer), "address": "攻撃者の住所"}
    # an anonymous visitor, another signed-in customer and a reviewer (staff use their own page)
    other = Client()
    other.force_login(user_factory(email="other@example.jp"))
    staff = Client()
    staff.force_login(reviewer)
    for visitor in (Client(), other, staff):
        assert visitor.get(url).status_code == 404
        assert visitor.post(url, data).status_code == 404
    case.refresh_from_db()
    assert case.status == "rejected" and case.address == "東京都千代田区丸の内1-2-4"
    assert not CaseCorrection.objects.exists()
