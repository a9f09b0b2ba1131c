"""Browser journey: a case rejected for "details do not match" is corrected on the web from
the emailed link and goes back to the reviewer, who sees what changed. Screenshots at 390 px
and 1280 px (var/screenshots/dead-end-6-*.png)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import IDENTITY_REVIEWER
from recovery import services
from recovery.models import CaseCorrection, IdentityCase
from recovery.tests import imagegen
from recovery.tests.conftest import totp_user
from tests_support.screens import at_both_widths, attach_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mismatch_rejection_is_corrected_on_the_web_and_reviewed_again(
    live_server: Any, browser_page: Any, _browser: Any, user_factory: Any, staff_factory: Any, outbox: Any
):
    customer = totp_user(
        user_factory,
        email="hanako@example.jp",
        phone="+819012345678",
        full_name="山田 花子",
        address="東京都千代田区丸の内1-2-3",
        date_of_birth=dt.date(1990, 4, 1),
        language="ja",
    )
    reviewer = staff_factory(roles=[IDENTITY_REVIEWER], email="agent@example.jp")
    # given a case sent with an old address, rejected for "details do not match"
    case = services.identity_case_submit(
        user=customer,
        purpose="two_factor_reset",
        details={
            "full_name": "山田 花子",
            "address": "大阪府大阪市北区梅田1-1-1",
            "date_of_birth": "1990-04-01",
            "registered_phone": "090-1234-5678",
            "emails": customer.email,
        },
        image=SimpleUploadedFile("selfie.jpg", imagegen.id_selfie_bytes(1000, 800), content_type="image/jpeg"),
    )
    services.identity_case_reject(case=case, actor=reviewer, reasons=["details_mismatch"], note="")
    mail = outbox.emails(to=customer.email, kind="identity_case_rejected")[-1]
    found = re.search(r"https?://[^/\s]+(/recovery/identity/\S+/resubmit/\S+/)", mail.body)
    assert found is not None
    # when the customer opens the emailed link on the phone
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{found.group(1)}")
    page.wait_for_selector("#case-status[data-status=rejected]")
    assert page.locator("#correct-offer").is_visible()
    at_both_widths(page, "dead-end-6-identity-rejected")
    page.click("#correct-details")
    page.wait_for_selector("#correct-form")
    # the form starts from what they sent; they correct the address (the photo was fine)
    assert page.input_value("input[name=address]") == "大阪府大阪市北区梅田1-1-1"
    page.fill("input[name=address]", "東京都千代田区丸の内1-2-3")
    at_both_widths(page, "dead-end-6-identity-correct-form")
    with page.expect_navigation():
        page.click("#correct-submit")
    page.wait_for_selector("#case-status[data-status=submitted]")
    at_both_widths(page, "dead-end-6-identity-corrected")
    case.refresh_from_db()
    assert case.address == "東京都千代田区丸の内1-2-3" and case.submissions == 2
    assert CaseCorrection.objects.filter(case=case).count() == 1
    # then the reviewer sees the case matching now, with the change listed
    staff_context = _browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    staff = staff_context.new_page()
    attach_session(staff, live_server, reviewer)
    staff.goto(f"{live_server.url}/recovery/staff/cases/{case.pk}/")
    assert staff.get_attribute("#comparison tr[data-field=address]", "data-matches") == "yes"
    row = staff.locator("#corrections tr[data-field=address]")
    assert "大阪府大阪市北区梅田1-1-1" in row.inner_text() and "東京都千代田区丸の内1-2-3" in row.inner_text()
    at_both_widths(staff, "dead-end-6-identity-staff-sees-correction")
    staff_context.close()
    assert IdentityCase.objects.get(pk=case.pk).status == "submitted"
