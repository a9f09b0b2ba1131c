"""Real browser: instant pre-check on the page, submission, and the staff review screen."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from accounts.roles import IDENTITY_REVIEWER
from conftest import browser_timeout_ms
from recovery.models import IdentityCase
from recovery.tests import imagegen
from recovery.tests.conftest import totp_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _captcha_then(page, selector: str) -> None:
    page.wait_for_function("() => document.querySelector('input[name=captcha]').value.length > 0")
    page.locator(selector).first.click()


def test_identity_case_page_warns_instantly_and_staff_review_screen(
    live_server, browser_page, user_factory, staff_factory, tmp_path
):
    page = browser_page
    base = live_server.url
    customer = totp_user(
        user_factory,
        email="hanako@example.jp",
        phone="+819012345678",
        full_name="山田 花子",
        address="東京都千代田区丸の内1-2-3",
        date_of_birth=dt.date(1990, 4, 1),
    )
    agent = staff_factory(roles=[IDENTITY_REVIEWER], email="agent@example.jp")
    blurry = tmp_path / "blurry.jpg"
    blurry.write_bytes(imagegen.id_selfie_bytes(1000, 800, blur=3.0))
    good = tmp_path / "good.jpg"
    good.write_bytes(imagegen.id_selfie_bytes(1000, 800))

    # the customer, stopped at the 2FA step, opens the identity form from "I can't use my authenticator"
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", customer.email)
    page.fill("input[name=password]", "Passw0rd-test")
    _captcha_then(page, "form button[type=submit]")
    page.click("#authenticator-lost")
    page.click("a[href='/recovery/identity/']")
    # a blurry photo gets the instant warning, in Japanese
    page.set_input_files("input[name=image]", str(blurry))
    warning = page.wait_for_selector("#precheck li[data-code=blurry]")
    assert "ぼやけ" in warning.inner_text()
    page.screenshot(path=str(tmp_path / "precheck.png"), full_page=True)
    # the customer retakes the photo and submits the form
    page.set_input_files("input[name=image]", str(good))
    page.wait_for_function("() => document.getElementById('precheck').dataset.problems === ''")
    page.fill("input[name=full_name]", "山田 花子")
    page.fill("input[name=address]", "東京都千代田区丸の内１丁目２番３号")
    page.fill("input[name=date_of_birth]", "1990-04-01")
    page.fill("input[name=registered_phone]", "090-1234-5678")
    page.fill("textarea[name=emails]", customer.email)
    page.click("#identity-submit")
    page.wait_for_selector("#case-status[data-status=submitted]")
    case = IdentityCase.objects.get(user=customer)

    # the reviewer opens the case: registered data beside the submission, viewer zoom/rotate
    # (signed in through a server-side session: the staff sign-in journey is tested elsewhere)
    from django.conf import settings
    from django.test import Client

    session_client = Client()
    session_client.force_login(agent)
    reviewer = page.context.browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    cookie = session_client.cookies[settings.SESSION_COOKIE_NAME].value
    reviewer.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}])
    staff = reviewer.new_page()
    staff.set_default_timeout(browser_timeout_ms())
    staff.goto(f"{base}/recovery/staff/cases/{case.pk}/")
    assert staff.get_attribute("tr[data-field=address]", "data-matches") == "yes"
    staff.wait_for_function("() => document.querySelector('img[data-viewer]').naturalWidth > 0")
    staff.click("[data-rotate]")
    staff.click("[data-zoom='1.25']")
    assert "rotate(90deg) scale(1.25)" in staff.get_attribute("img[data-viewer]", "style")
    staff.screenshot(path=str(tmp_path / "review.png"), full_page=True)
    staff.check("input[name=reasons][value=glare]")
    staff.click("#reject")
    staff.wait_for_load_state()
    case.refresh_from_db()
    assert case.status == "rejected" and case.rejection_reasons == ["glare"]
    import shutil
    from pathlib import Path

    target = Path(__file__).resolve().parents[3] / "var" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "review.png", target / "recovery_staff_review.png")
    shutil.copy(tmp_path / "precheck.png", target / "recovery_precheck_warning.png")
    reviewer.close()


def test_selfie_page_offers_camera_or_gallery_and_shows_a_failed_check_as_an_error(
    live_server, browser_page, user_factory, tmp_path
):
    from django.conf import settings
    from django.test import Client

    page = browser_page
    base = live_server.url
    customer = user_factory(email="taro@example.jp")
    client = Client()
    client.force_login(customer)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base,
            }
        ]
    )
    # the check endpoint answers 429 (too many checks from this address)
    page.route(
        "**/api/v1/recovery/id-selfie-check",
        lambda route: route.fulfill(
            status=429,
            content_type="application/json",
            body='{"error": {"code": "rate_limited", "message": "しばらくしてからお試しください。", "fields": {}}}',
        ),
    )
    page.goto(f"{base}/recovery/identity/")
    # the customer may choose a photo from the gallery (no forced front camera) or open the camera
    assert page.get_attribute("input[name=image]", "capture") is None
    page.wait_for_selector("#camera-button:not([hidden])")
    assert page.get_attribute("#camera-input", "capture") == "user"
    # accepted documents, samples, turnaround and hold are on the page
    documents = page.inner_text("#accepted-documents")
    for name in ("運転免許証", "マイナンバーカード", "在留カード", "パスポート"):
        assert name in documents
    assert page.locator("#selfie-samples img").count() >= 4
    page.wait_for_function(
        "[...document.querySelectorAll('#selfie-samples img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert "48" in page.inner_text("#selfie-turnaround")
    assert "72" in page.inner_text("#selfie-hold")
    good = tmp_path / "good.jpg"
    good.write_bytes(imagegen.id_selfie_bytes(1000, 800))
    page.set_input_files("input[name=image]", str(good))
    # the failed check is an error, never a green tick
    box = page.wait_for_selector("#precheck[data-state=error]")
    assert "✓" not in box.inner_text()
    assert "しばらくしてから" in box.inner_text()
    assert "error" in (box.get_attribute("class") or "")
    assert box.get_attribute("role") == "alert"
    # the camera path fills the same form field
    page.unroute("**/api/v1/recovery/id-selfie-check")
    page.set_input_files("#camera-input", str(good))
    page.wait_for_function("() => document.getElementById('precheck').dataset.state === 'ok'")
    assert page.evaluate("document.querySelector('input[name=image]').files.length") == 1
    target = Path(__file__).resolve().parents[3] / "var" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / "recovery_selfie_page.png"), full_page=True)
