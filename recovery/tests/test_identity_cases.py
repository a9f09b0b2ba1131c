"""Identity-verified 2FA reset (product §4b), end to end through the pages and the API."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from allauth.mfa.models import Authenticator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.roles import IDENTITY_REVIEWER
from core.models import AuditEvent
from recovery.models import CaseDecision, IdentityCase, IdentityDocument
from recovery.tests.conftest import sign_in_to_2fa_step, stored_files, totp_user

pytestmark = pytest.mark.django_db


def _details(user, **overrides):
    data = {
        "purpose": "two_factor_reset",
        "full_name": "山田　花子",  # ideographic space: still a match
        "full_name_kana": "ﾔﾏﾀﾞ ﾊﾅｺ",  # half-width kana: still a match
        "address": "東京都千代田区丸の内１丁目２番３号",
        "date_of_birth": "1990-04-01",
        "registered_phone": "090-1234-5678",
        "phone_changed": "on",
        "new_phone": "080-9999-0000",
        "emails": f"{user.email}\nold@example.jp",
    }
    data.update(overrides)
    return data


def _photo(data: bytes, name="selfie.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


@pytest.fixture
def customer(user_factory):
    return totp_user(
        user_factory,
        email="hanako@example.jp",
        phone="+819012345678",
        full_name="山田 花子",
        full_name_kana="ヤマダ ハナコ",
        address="東京都千代田区丸の内1-2-3",
        date_of_birth=dt.date(1990, 4, 1),
        language="en",
    )


@pytest.fixture
def reviewer(staff_factory):
    return staff_factory(roles=[IDENTITY_REVIEWER], email="agent@example.jp")


def test_identity_case_end_to_end(
    client, customer, reviewer, outbox, good_selfie, blurry_selfie, glare_selfie, private_storage
):
    # given a customer who lost the phone, stopped at the 2FA step after the password
    sign_in_to_2fa_step(client, customer)
    assert client.get("/recovery/identity/").status_code == 200
    # when a blurry photo is chosen, the instant check says so (nothing is stored)
    check = client.post(
        "/api/v1/recovery/id-selfie-check", {"image": _photo(blurry_selfie)}, headers={"Accept-Language": "en"}
    )
    assert check.status_code == 200
    assert check.json()["ok"] is False and "blurry" in check.json()["problems"]
    assert "blurry" in check.json()["messages"][0]["message"]
    assert stored_files(private_storage) == []
    # when the customer retakes the photo and submits
    response = client.post("/recovery/identity/", {**_details(customer), "image": _photo(good_selfie)})
    assert response.status_code == 302, response.content[:800]
    case = IdentityCase.objects.get(user=customer)
    assert case.status == "submitted" and case.warnings == []
    assert case.new_phone == "+818099990000" and case.emails == ["hanako@example.jp", "old@example.jp"]
    assert outbox.emails(to=customer.email, kind="identity_case_received")

    # then the reviewer sees it beside the registered data: no mismatch despite notation
    staff = type(client)()
    staff.force_login(reviewer)
    page = staff.get(f"/recovery/staff/cases/{case.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-field="full_name" data-matches="yes"' in html
    assert 'data-field="address" data-matches="yes"' in html
    image_url = re.search(r'src="(/recovery/staff/documents/\d+/)"', html).group(1)
    image = staff.get(image_url)
    assert image.status_code == 200 and image["X-Content-Type-Options"] == "nosniff"
    assert image["Content-Disposition"].startswith("attachment")

    # when the reviewer rejects for glare
    response = staff.post(f"/recovery/staff/cases/{case.pk}/", {"decision": "reject", "reasons": ["glare"]})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "rejected" and case.rejection_reasons == ["glare"]
    # then the customer is emailed the reason and a resubmission link
    mail = outbox.emails(to=customer.email, kind="identity_case_rejected")[-1]
    assert "Glare" in mail.body
    link = re.search(r"https?://\S+/recovery/identity/\S+/resubmit/\S+/", mail.body).group(0)
    # when the customer (new browser, not signed in) resubmits through the link
    browser = type(client)()
    response = browser.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert response.status_code == 302
    detail = browser.get(response["Location"])
    assert b"resubmit-form" in detail.content
    response = browser.post(response["Location"], {"image": _photo(good_selfie)})
    assert response.status_code == 302
    # then it joins the same case
    assert IdentityCase.objects.filter(user=customer).count() == 1
    case.refresh_from_db()
    assert case.status == "submitted" and case.submissions == 2
    assert case.documents.count() == 2

    # when the reviewer approves
    response = staff.post(
        f"/recovery/staff/cases/{case.pk}/",
        {"decision": "approve", "note": "matches", "confirm_new_phone": case.new_phone},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    # then 2FA is removed, withdrawals are held, the customer is emailed, turnaround measured
    assert case.status == "approved" and case.turnaround_seconds is not None
    assert not Authenticator.objects.filter(user=customer).exists()
    customer.refresh_from_db()
    assert customer.withdrawal_hold_until > timezone.now() + dt.timedelta(hours=71)
    approved = outbox.emails(to=customer.email, kind="identity_case_approved")[-1]
    assert "/security/" in approved.body and "two-factor" in approved.body
    assert [d.decision for d in CaseDecision.objects.filter(case=case)] == ["reject", "approve"]
    events = set(AuditEvent.objects.filter(user=customer).values_list("event", flat=True))
    assert {"identity_case.submitted", "identity_case.rejected", "identity_case.resubmitted"} <= events
    assert {"identity_case.approved", "mfa.removed_all", "withdrawal.hold_set"} <= events
    # when the customer signs in again: no authenticator step any more, and is asked to enrol
    fresh = type(client)()
    from tests_support.captcha import solve

    response = fresh.post(
        "/accounts/login/", {"login": customer.email, "password": "Passw0rd-test", "captcha": solve(fresh)}
    )
    assert response.status_code == 302
    assert "/accounts/2fa/authenticate/" not in response["Location"]
    status = browser.get(f"/recovery/identity/{case.pk}/")
    assert 'data-status="approved"' in status.content.decode()
    assert "2段階認証を設定し直してください" in status.content.decode()  # Japanese by default


def test_submission_stores_a_metadata_free_copy_and_keeps_warnings(client, customer, glare_selfie):
    sign_in_to_2fa_step(client, customer)
    response = client.post("/recovery/identity/", {**_details(customer), "image": _photo(glare_selfie, "x.png")})
    assert response.status_code == 302
    document = IdentityDocument.objects.get()
    assert document.case.warnings == ["glare"] and document.problems == ["glare"]
    assert document.file.name.endswith(".jpg") and "x.png" not in document.file.name
    with document.file.open("rb") as handle:
        assert handle.read(3) == b"\xff\xd8\xff"


def test_mismatched_details_are_highlighted(client, customer, reviewer, good_selfie):
    sign_in_to_2fa_step(client, customer)
    client.post(
        "/recovery/identity/",
        {
            **_details(customer, full_name="山田 華子", address="東京都千代田区丸の内1-2-4"),
            "image": _photo(good_selfie),
        },
    )
    staff = type(client)()
    staff.force_login(reviewer)
    html = staff.get(f"/recovery/staff/cases/{IdentityCase.objects.get().pk}/").content.decode()
    assert 'data-field="full_name" data-matches="no"' in html
    assert "<mark>華</mark>" in html
    assert 'data-field="address" data-matches="no"' in html
    assert 'data-field="date_of_birth" data-matches="yes"' in html


def test_invalid_details_are_refused_in_the_customers_language(api_client, customer, good_selfie):
    api_client.client.force_login(customer)
    response = api_client.client.post(
        "/api/v1/recovery/identity-cases",
        {**_details(customer, registered_phone="12", emails="not-an-address"), "image": _photo(good_selfie)},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400, response.content
    body = response.json()["error"]
    assert body["code"] == "validation_failed"
    assert set(body["fields"]) >= {"registered_phone", "emails"}
    assert not IdentityCase.objects.exists()


def test_api_submit_and_read(api_client, customer, good_selfie):
    api_client.client.force_login(customer)
    response = api_client.client.post(
        "/api/v1/recovery/identity-cases", {**_details(customer), "image": _photo(good_selfie)}
    )
    assert response.status_code == 201, response.content
    case_id = response.json()["id"]
    read = api_client.client.get(f"/api/v1/recovery/identity-cases/{case_id}")
    assert read.status_code == 200 and read.json()["status"] == "submitted"
    again = api_client.client.post(
        "/api/v1/recovery/identity-cases", {**_details(customer), "image": _photo(good_selfie)}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "case_in_review"


def test_second_approver_rule(settings, client, customer, reviewer, staff_factory, good_selfie, outbox):
    settings.MADOGUCHI_RECOVERY_SECOND_APPROVER = True
    from recovery import services

    case = services.identity_case_submit(
        user=customer, purpose="two_factor_reset", details=_details(customer), image=good_selfie
    )
    services.identity_case_approve(case=case, actor=reviewer, confirmed_new_phone=case.new_phone)
    case.refresh_from_db()
    assert case.status == "awaiting_second_approval"
    assert Authenticator.objects.filter(user=customer).exists()
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError) as same:
        services.identity_case_approve(case=case, actor=reviewer, confirmed_new_phone=case.new_phone)
    assert same.value.code == "second_approver_required"
    second = staff_factory(roles=[IDENTITY_REVIEWER], email="second@example.jp")
    services.identity_case_approve(case=case, actor=second, confirmed_new_phone=case.new_phone)
    case.refresh_from_db()
    assert case.status == "approved"
    assert not Authenticator.objects.filter(user=customer).exists()


def test_freeze_lift_case_unfreezes_after_approval(client, user_factory, reviewer, good_selfie):
    from accounts.services import account_freeze
    from recovery import services

    user = user_factory(
        email="frozen@example.jp", phone="+819087654321", full_name="佐藤 一郎", address="大阪府大阪市北区梅田2-4-9"
    )
    account_freeze(user=user, reason="customer_request")
    details = {
        "full_name": "佐藤一郎",
        "address": "大阪府大阪市北区梅田2丁目4番9号",
        "date_of_birth": "1985-01-02",
        "registered_phone": user.phone,
        "emails": user.email,
    }
    case = services.identity_case_submit(user=user, purpose="freeze_lift", details=details, image=good_selfie)
    services.identity_case_approve(case=case, actor=reviewer, confirmed_new_phone=case.new_phone)
    user.refresh_from_db()
    assert user.frozen_at is None and user.withdrawal_hold_until is not None


def test_retention_deletes_images_after_the_case_closes(customer, reviewer, good_selfie, private_storage, time_machine):
    from recovery import services

    time_machine.move_to(timezone.now(), tick=False)
    case = services.identity_case_submit(
        user=customer, purpose="two_factor_reset", details=_details(customer), image=good_selfie
    )
    services.identity_case_approve(case=case, actor=reviewer, confirmed_new_phone=case.new_phone)
    assert len(stored_files(private_storage)) == 1
    time_machine.shift(dt.timedelta(days=29))
    assert services.identity_retention_run()["images_deleted"] == 0
    time_machine.shift(dt.timedelta(days=2))
    assert services.identity_retention_run()["images_deleted"] == 1
    assert stored_files(private_storage) == []
    case.refresh_from_db()
    assert case.images_deleted_at is not None
    assert IdentityDocument.objects.get().deleted_at is not None


def test_abandoned_rejected_case_closes_then_images_go(customer, reviewer, good_selfie, private_storage, time_machine):
    from recovery import services

    time_machine.move_to(timezone.now(), tick=False)
    case = services.identity_case_submit(
        user=customer, purpose="two_factor_reset", details=_details(customer), image=good_selfie
    )
    services.identity_case_reject(case=case, actor=reviewer, reasons=["blurry"])
    time_machine.shift(dt.timedelta(days=15))
    assert services.identity_retention_run() == {"closed": 1, "images_deleted": 0}
    time_machine.shift(dt.timedelta(days=31))
    assert services.identity_retention_run() == {"closed": 0, "images_deleted": 1}
    assert stored_files(private_storage) == []
