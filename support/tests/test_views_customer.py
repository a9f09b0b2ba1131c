import datetime as dt
import re

import pytest
from django.test import Client

from support.internal.calendar import JST
from support.models import Inquiry
from support.tests.factories import FUNDS_FIELDS, SIGNIN_FIELDS, create_funds

pytestmark = pytest.mark.django_db


def test_contact_page_shows_channels(client, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 24, 9, 30, tzinfo=JST), tick=False)
    page = client.get("/contact/", headers={"Accept-Language": "en"}).content.decode()
    assert 'data-channel="phone"' in page and 'data-channel="chat"' in page and 'data-channel="form"' in page


def test_form_refuses_missing_fields_and_offers_duplicate(user_factory):
    user = user_factory()
    c = Client()
    c.force_login(user)
    response = c.post("/support/new/funds/", {"subtopic": "deposit", "description": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "金額・数量は必須です。" in page and "お問い合わせ内容をご記入ください。" in page
    data = {"subtopic": "deposit", "description": "入金が反映されません。確認をお願いします。"}
    data.update({f"fields.{k}": v for k, v in FUNDS_FIELDS.items()})
    response = c.post("/support/new/funds/", data)
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert response["Location"] == f"/support/inquiries/{inquiry.pk}/"
    page = c.get("/support/new/funds/").content.decode()
    assert 'id="duplicate-offer"' in page and inquiry.reference in page


def test_security_form_offers_freeze(user_factory):
    c = Client()
    c.force_login(user_factory())
    page = c.get("/support/new/security/").content.decode()
    assert 'id="freeze-offer"' in page and 'id="freeze-now"' in page


def test_guest_path_confirms_email_then_creates_sign_in_inquiry(client, outbox, solve_captcha, user_factory):
    owner = user_factory(email="hanako@example.jp")
    # given a guest who cannot sign in
    response = client.post("/support/guest/", {"email": "hanako@example.jp", "captcha": solve_captcha()})
    assert response.status_code == 302 and response["Location"] == "/support/guest/verify/"
    code = re.search(r"\b(\d{6})\b", outbox.emails(to="hanako@example.jp", kind="support_guest_code")[-1].body).group(1)
    # wrong code first
    assert (
        "support_guest"
        not in client.post(
            "/support/guest/verify/", {"code": "000000" if code != "000000" else "111111"}
        ).client.session
    )
    response = client.post("/support/guest/verify/", {"code": code})
    assert response.status_code == 302
    # only sign-in and security categories; account-only ones are 404
    assert client.get("/support/guest/new/funds/").status_code == 404
    data = {"subtopic": "sms", "description": "SMSの認証コードが届きません。"}
    data.update({f"fields.{k}": v for k, v in SIGNIN_FIELDS.items()})
    response = client.post("/support/guest/new/sign_in/", data)
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.category.slug == "sign_in" and inquiry.queue.slug == "helpdesk"
    assert inquiry.customer == owner  # joined silently
    assert client.get(f"/support/guest/inquiries/{inquiry.pk}/").status_code == 200
    # the confirmation page says the same whether or not an account exists
    assert "hanako@example.jp" in client.get("/support/guest/inquiries/").content.decode()


def test_guest_pages_need_confirmation(client):
    assert client.get("/support/guest/inquiries/")["Location"] == "/support/guest/"
    assert client.get("/support/guest/new/sign_in/")["Location"] == "/support/guest/"


def test_my_inquiries_lists_only_mine(user_factory):
    me, other = user_factory(), user_factory()
    mine = create_funds(me)
    theirs = create_funds(other)
    c = Client()
    c.force_login(me)
    page = c.get("/support/").content.decode()
    assert mine.reference in page and theirs.reference not in page
