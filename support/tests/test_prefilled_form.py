"""No dead ends into the inquiry form: a link from the troubleshooter or a help article opens
the right form already filled in; a guest gets there through the email confirmation and is
offered their own open inquiry (never anybody else's)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

import pytest
from django.test import Client

from helpcenter.internal import troubleshooter
from support.models import Inquiry
from support.tests.factories import SIGNIN_FIELDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def help_content(db: None) -> None:
    from helpcenter.services import content_import

    content_import()


def leaf(node_id: str) -> troubleshooter.Node:
    found = troubleshooter.find(troubleshooter.build_tree(), node_id)
    assert found is not None
    return found[0]


def follow(client: Client, url: str) -> tuple[str, str]:
    response = client.get(url, follow=True)
    assert response.status_code == 200
    last = response.redirect_chain[-1][0] if response.redirect_chain else url
    return urlparse(last).path, response.content.decode()


def test_a_troubleshooter_leaf_opens_the_sign_in_form_filled_in(user_factory: Any):
    # given a signed-in customer at the "number changed" leaf of the troubleshooter
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(user_factory(language="ja"))
    url = troubleshooter.leaf_url(leaf("sms-number-changed"))
    assert url is not None and "from=sms-number-changed" in url
    # when they follow its button
    path, page = follow(client, url)
    # then the sign-in form opens with topic, failing step and their answers in the description
    assert path == "/support/new/sign_in/"
    assert '<option value="sms" selected>' in page
    assert '<option value="sms_code" selected>' in page
    description = page[page.index('id="id_description"') : page.index("</textarea>", page.index('id="id_description"'))]
    assert "「ログインできないときの診断」で次のように答えました" in description
    assert "・SMS の確認コードが届かない" in description and "・いいえ、番号が変わった" in description
    assert "お問い合わせください" not in description  # the leaf's call to action is not an answer


def test_the_still_stuck_link_of_a_fix_is_filled_in_too(user_factory: Any):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user_factory(language="en"))
    url = troubleshooter.still_stuck_url(leaf("sms-same-number"))
    assert url is not None
    _path, page = follow(client, url)
    assert "I used the “I can&#x27;t sign in” troubleshooter:" in page
    assert "・Yes, same number" in page
    assert "Suggested fix I tried: Check spam filters and SMS blocking" in page


def test_free_text_in_the_link_is_never_copied_into_the_form(user_factory: Any):
    client = Client()
    client.force_login(user_factory())
    page = client.get(
        "/support/new/sign_in/?description=send+your+password+to+evil&fields.message_shown=evil&subtopic=nope"
        "&fields.failing_step=bogus"
    ).content.decode()
    form = page[page.index('id="inquiry-form"') : page.index("</form>", page.index('id="inquiry-form"'))]
    assert "evil" not in form
    assert "selected" not in form


def test_an_article_contact_link_names_the_article_and_its_category(user_factory: Any, help_content: None):
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(user_factory(language="ja"))
    article = client.get("/help/articles/two-factor-setup/").content.decode()
    href = re.search(r'href="([^"]+)" id="article-contact"', article)
    assert href is not None
    path, page = follow(client, href.group(1).replace("&amp;", "&"))
    assert path == "/support/new/sign_in/"
    assert '<option value="authenticator" selected>' in page
    assert "を読みましたが、解決しませんでした。" in page


def test_a_guest_from_the_troubleshooter_confirms_the_email_then_gets_the_filled_form(
    client: Client, outbox: Any, solve_captcha: Any
):
    url = troubleshooter.leaf_url(leaf("sms-number-changed"))
    assert url is not None
    # a guest is sent to confirm the address first
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/support/guest/")
    client.post("/support/guest/", {"email": "guest@example.jp", "captcha": solve_captcha()})
    code = re.search(r"\b(\d{6})\b", outbox.emails(to="guest@example.jp", kind="support_guest_code")[-1].body)
    assert code is not None
    response = client.post("/support/guest/verify/", {"code": code.group(1)})
    # and lands on the pre-filled guest form, not the list
    assert response.status_code == 302 and response["Location"].startswith("/support/guest/new/sign_in/?")
    page = client.get(response["Location"]).content.decode()
    assert '<option value="sms" selected>' in page and "番号が変わった" in page


def test_a_guest_is_sent_to_sign_in_for_a_category_guests_cannot_use(client: Client):
    response = client.get("/support/new/?category=funds&article=withdrawal-limits")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=%2Fsupport%2Fnew%2Ffunds%2F")


def _confirm_guest(client: Client, email: str) -> None:
    import time

    session = client.session
    session["support_guest"] = {"email": email, "until": time.time() + 600}
    session.save()


def _guest_inquiry(client: Client, email: str) -> Inquiry:
    data = {"subtopic": "sms", "description": "SMSの認証コードが届きません。"}
    data.update({f"fields.{k}": v for k, v in SIGNIN_FIELDS.items()})
    assert client.post("/support/guest/new/sign_in/", data).status_code == 302
    return Inquiry.objects.filter(guest_email=email).latest("id")


def test_a_guest_with_an_open_inquiry_is_offered_to_add_to_it(client: Client):
    _confirm_guest(client, "guest@example.jp")
    first = _guest_inquiry(client, "guest@example.jp")
    page = client.get("/support/guest/new/sign_in/").content.decode()
    assert 'id="duplicate-offer"' in page and first.reference in page
    assert f'href="/support/guest/inquiries/{first.pk}/"' in page
    # sending again without saying it is a different matter is refused with the offer
    data = {"subtopic": "sms", "description": "別の件で、認証アプリのコードも通りません。"}
    data.update({f"fields.{k}": v for k, v in SIGNIN_FIELDS.items()})
    response = client.post("/support/guest/new/sign_in/", data)
    assert response.status_code == 400 and Inquiry.objects.count() == 1
    data["allow_duplicate"] = "1"
    assert client.post("/support/guest/new/sign_in/", data).status_code == 302
    assert Inquiry.objects.count() == 2


def test_a_guest_is_never_offered_somebody_elses_inquiry(client: Client, user_factory: Any):
    # another guest and a signed-in customer both have open sign-in inquiries
    other = Client()
    _confirm_guest(other, "other@example.jp")
    theirs = _guest_inquiry(other, "other@example.jp")
    owner = user_factory(email="owner@example.jp")
    member = Client()
    member.force_login(owner)
    data = {"subtopic": "sms", "description": "会員としてログインしたあとの SMS が届きません。"}
    data.update({f"fields.{k}": v for k, v in SIGNIN_FIELDS.items()})
    assert member.post("/support/new/sign_in/", data).status_code == 302
    mine_as_member = Inquiry.objects.get(customer=owner, guest_email="")
    # a guest confirming a third address sees no offer
    _confirm_guest(client, "third@example.jp")
    page = client.get("/support/guest/new/sign_in/").content.decode()
    assert 'id="duplicate-offer"' not in page
    assert theirs.reference not in page and mine_as_member.reference not in page
    # and an unconfirmed visitor gets the confirmation page, not a form
    assert Client().get("/support/guest/new/sign_in/")["Location"] == "/support/guest/"
