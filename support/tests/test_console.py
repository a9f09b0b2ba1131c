"""Staff console at the level an agent expects: readable history, device names, identity-case
links, SLA countdown matching the breached view, macros, collision check, reasons to leave
the security queue, image previews and the requester's other inquiries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from accounts import roles
from core.audit import audit_log
from core.errors import ApplicationError
from core.models import AuditEvent
from support import presenters, selectors, services
from support.models import CannedReply, Inquiry, InquiryEvent, Message, Priority, Status
from support.tests.factories import SECURITY_FIELDS, create_funds, png_bytes, upload

pytestmark = pytest.mark.django_db

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def hanako(user_factory):
    return user_factory(email="hanako@example.jp", full_name="山田花子", language="ja")


@pytest.fixture
def agent(staff_factory):
    return staff_factory(roles=[roles.SUPPORT_AGENT, roles.SECURITY_AGENT], email="agent@example.jp")


@pytest.fixture
def colleague(staff_factory):
    return staff_factory(roles=[roles.SUPPORT_AGENT, roles.SECURITY_AGENT], email="colleague@example.jp")


def _client(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="ja")
    c.force_login(user)
    return c


def _page(client: Client, inquiry: Inquiry) -> str:
    response = client.get(f"/staff/support/inquiries/{inquiry.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _seen(page: str) -> str:
    match = re.search(r'name="seen" value="(\d+)"', page)
    assert match
    return match.group(1)


# --------------------------------------------------------------------------- history and devices


def test_history_is_translated_and_shows_no_internals(hanako, agent):
    inquiry = create_funds(hanako)
    services.inquiry_set_priority(agent=agent, inquiry=inquiry, priority=Priority.HIGH)
    services.inquiry_assign(agent=agent, inquiry=inquiry, assignee=agent)
    services.inquiry_reply_staff(agent=agent, inquiry=inquiry, body="確認します。")
    page = _page(_client(agent), inquiry)
    history = re.sub(r"<[^>]+>", " ", page.split('id="history"')[1].split("</ul>")[0])
    # before: "created · … queue=funds priority=3 guest=False", "priority", "assignee"
    for raw in ("queue=", "priority=", "guest=", "created", "assignee", "old=", "new="):
        assert raw not in history
    assert "入出金" in history or "funds" not in history  # the queue's name, not its slug
    assert "受付" in history
    assert "優先度：通常 → 高" in history
    assert "担当者：" in history and "お客様へ返信を送信" in history
    assert "ステータス：新規 → お客様の返信待ち" in history


def test_security_panel_names_events_and_devices(hanako, agent):
    inquiry = create_funds(hanako)
    AuditEvent.objects.create(user=hanako, event="login.success", ip="203.0.113.5", user_agent=CHROME_WINDOWS)
    AuditEvent.objects.create(user=hanako, event="login.new_device", ip="198.51.100.7", user_agent=SAFARI_IPHONE)
    page = _page(_client(agent), inquiry)
    panel = page.split('id="recent-signins"')[1].split("</ul>")[0]
    assert "login.success" not in panel.split("data-event")[0]
    assert ">login.success<" not in panel and " login.success " not in panel
    assert "ログイン" in panel
    assert "Chrome 131 · Windows 10" in panel
    assert "Mobile Safari 17.1 · iOS 17.1 · iPhone" in panel
    assert "Mozilla/5.0" not in panel


def _identity_case(user):
    from recovery.models import IdentityCase

    now = timezone.now()
    return IdentityCase.objects.create(
        user=user,
        purpose="two_factor_reset",
        full_name="山田 花子",
        address="東京都",
        date_of_birth=dt.date(1990, 4, 1),
        registered_phone="+819012345678",
        first_submitted_at=now,
        submitted_at=now,
    )


def test_identity_cases_are_links_for_reviewers_and_plain_text_otherwise(hanako, agent, staff_factory):
    inquiry = create_funds(hanako)
    case = _identity_case(hanako)
    reference = f"IDV-{str(case.pk)[:8].upper()}"
    plain = _page(_client(agent), inquiry)
    cases = plain.split('id="identity-cases"')[1].split("</ul>")[0]
    assert (reference in cases and "審査待ち" in cases) or reference in cases
    assert f"/recovery/staff/cases/{case.pk}/" not in cases  # the agent would get a 404 there
    assert "IdentityCase" not in plain and "(submitted)" not in plain
    reviewer = staff_factory(roles=[roles.SUPPORT_AGENT, roles.IDENTITY_REVIEWER], email="rev@example.jp")
    linked = _page(_client(reviewer), inquiry)
    assert f'href="/recovery/staff/cases/{case.pk}/"' in linked


# --------------------------------------------------------------------------- SLA


def test_sla_badge_matches_the_breached_view(hanako, agent, user_factory):
    now = timezone.now()
    on_time = create_funds(hanako)
    overdue = create_funds(user_factory())
    late_reply = create_funds(user_factory())
    paused = create_funds(user_factory())
    Inquiry.objects.filter(pk=overdue.pk).update(first_response_due_at=now - dt.timedelta(minutes=5))
    # answered after the target, before the periodic job flagged it: the old badge said
    # "breached" while the breached view did not list it
    Inquiry.objects.filter(pk=late_reply.pk).update(
        first_response_due_at=now - dt.timedelta(hours=2), first_responded_at=now - dt.timedelta(hours=1)
    )
    services.inquiry_reply_staff(agent=agent, inquiry=paused, body="スクリーンショットをお送りください。")
    Inquiry.objects.filter(pk=paused.pk).update(resolution_due_at=now - dt.timedelta(hours=1))
    client = _client(agent)

    def badged(view: str) -> tuple[set[str], set[str]]:
        html = client.get("/staff/support/", {"view": view}).content.decode()
        rows = re.findall(r'<tr data-reference="([^"]+)">(.*?)</tr>', html, re.S)
        return {ref for ref, row in rows if "sla-breached" in row}, {ref for ref, _row in rows}

    badges_active, _all = badged("active")
    _badges, listed_breached = badged("breached")
    assert badges_active == listed_breached == {overdue.reference, late_reply.reference}
    assert on_time.reference not in listed_breached and paused.reference not in listed_breached
    for inquiry in (on_time, overdue, late_reply, paused):
        inquiry.refresh_from_db()
        in_view = selectors.queue_page_for_staff(user=agent, view="breached").items
        assert presenters.sla_breached(inquiry) == (inquiry.pk in {i.pk for i in in_view})


def test_sla_clock_counts_down_with_colours(hanako):
    inquiry = create_funds(hanako)
    now = timezone.now()
    inquiry.first_response_due_at = now + dt.timedelta(hours=5)
    targets = {Priority.NORMAL * 10 + 1: dt.timedelta(hours=8)}
    clock = presenters.sla_clock(inquiry, now, targets=targets)
    assert clock["state"] == "ok" and clock["seconds"] == 5 * 3600
    inquiry.first_response_due_at = now + dt.timedelta(minutes=40)
    assert presenters.sla_clock(inquiry, now, targets=targets)["state"] == "warning"
    inquiry.first_response_due_at = now + dt.timedelta(hours=1, minutes=50)  # under a quarter of 8 h
    assert presenters.sla_clock(inquiry, now, targets=targets)["state"] == "warning"
    inquiry.first_response_due_at = now - dt.timedelta(minutes=10)
    overdue = presenters.sla_clock(inquiry, now, targets=targets)
    assert overdue["state"] == "breached" and overdue["seconds"] < 0
    inquiry.first_responded_at = now - dt.timedelta(hours=1)
    inquiry.first_response_due_at = now
    inquiry.sla_paused_seconds_left = 3600
    assert presenters.sla_clock(inquiry, now)["state"] == "paused"


def test_queue_page_shows_countdown_text(hanako, agent):
    inquiry = create_funds(hanako)
    html = _client(agent).get("/staff/support/").content.decode()
    row = html.split(f'data-reference="{inquiry.reference}"')[1].split("</tr>")[0]
    assert "初回返信" in row and "残り" in row and "data-due=" in row


# --------------------------------------------------------------------------- macros


@pytest.fixture
def macro():
    return CannedReply.objects.create(
        slug="escalate_resolved",
        title_ja="解決済みにする",
        title_en="Resolve",
        body_ja="{customer_name} 様、対応が完了しました。",
        body_en="Done, {customer_name}.",
        set_status=Status.RESOLVED,
        set_priority=Priority.HIGH,
    )


def test_macro_replies_and_sets_status_and_priority_in_one_step(hanako, agent, macro, outbox):
    inquiry = create_funds(hanako)
    services.inquiry_reply_staff(agent=agent, inquiry=inquiry, canned_slug=macro.slug)
    inquiry.refresh_from_db()
    assert inquiry.status == Status.RESOLVED and inquiry.priority == Priority.HIGH
    reply = Message.objects.filter(inquiry=inquiry, kind="reply").get()
    assert reply.body == "山田花子 様、対応が完了しました。"
    assert InquiryEvent.objects.filter(inquiry=inquiry, kind="macro").count() == 1


def test_macro_from_the_console_form_without_javascript(hanako, agent, macro):
    inquiry = create_funds(hanako)
    client = _client(agent)
    page = _page(client, inquiry)
    assert f'data-status="{Status.RESOLVED}"' in page and f'data-priority="{Priority.HIGH}"' in page
    response = client.post(
        f"/staff/support/inquiries/{inquiry.pk}/reply/",
        {"canned": macro.slug, "body": "", "internal": "0", "seen": _seen(page)},
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.priority) == (Status.RESOLVED, Priority.HIGH)
    assert "マクロを適用：解決済みにする" in _page(client, inquiry)


def test_explicit_choices_win_over_the_macro(hanako, agent, macro):
    inquiry = create_funds(hanako)
    services.inquiry_reply_staff(
        agent=agent, inquiry=inquiry, canned_slug=macro.slug, new_status=Status.OPEN, new_priority=Priority.LOW
    )
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.priority) == (Status.OPEN, Priority.LOW)


def test_macro_on_a_locked_security_priority_changes_nothing(hanako, agent, macro):
    inquiry = services.inquiry_create(
        customer=hanako, category_slug="security", fields=SECURITY_FIELDS, description="不正ログインの疑いがあります。"
    )
    with pytest.raises(ApplicationError) as exc:
        services.inquiry_reply_staff(agent=agent, inquiry=inquiry, canned_slug=macro.slug)
    assert exc.value.code == "priority_locked"
    assert not Message.objects.filter(inquiry=inquiry, kind="reply").exists()
    inquiry.refresh_from_db()
    assert inquiry.status == Status.NEW and inquiry.priority == Priority.URGENT


# --------------------------------------------------------------------------- collision check


def test_reply_after_a_colleague_replied_is_refused_and_the_text_is_kept(hanako, agent, colleague, outbox):
    inquiry = create_funds(hanako)
    client = _client(agent)
    seen = _seen(_page(client, inquiry))
    services.inquiry_reply_staff(agent=colleague, inquiry=inquiry, body="担当の佐藤です。確認中です。")
    mails = len(outbox.emails(to="hanako@example.jp"))
    response = client.post(
        f"/staff/support/inquiries/{inquiry.pk}/reply/",
        {"body": "私からも返信します。", "internal": "0", "seen": seen},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "colleague@example.jp" in html and "保存はしていません" in html
    assert "私からも返信します。" in html  # the draft is in the textarea
    assert "担当の佐藤です。確認中です。" in html  # and the colleague's reply is shown
    assert Message.objects.filter(inquiry=inquiry, kind="reply").count() == 1
    assert len(outbox.emails(to="hanako@example.jp")) == mails
    # with the fresh page, the same reply goes through
    fresh = _seen(html)
    ok = client.post(
        f"/staff/support/inquiries/{inquiry.pk}/reply/",
        {"body": "私からも返信します。", "internal": "0", "seen": fresh},
    )
    assert ok.status_code == 302


def test_status_change_after_the_customer_replied_is_refused(hanako, agent):
    inquiry = create_funds(hanako)
    services.inquiry_reply_staff(agent=agent, inquiry=inquiry, body="ご連絡ください。")
    client = _client(agent)
    seen = _seen(_page(client, inquiry))
    services.inquiry_reply_customer(inquiry=inquiry, user=hanako, body="スクリーンショットを添付しました。")
    response = client.post(f"/staff/support/inquiries/{inquiry.pk}/status/", {"status": Status.RESOLVED, "seen": seen})
    assert response.status_code == 409
    assert "お客様" in response.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.status == Status.OPEN


def test_own_changes_do_not_count_as_a_collision(hanako, agent):
    inquiry = create_funds(hanako)
    client = _client(agent)
    seen = _seen(_page(client, inquiry))
    services.inquiry_assign(agent=agent, inquiry=inquiry, assignee=agent)
    response = client.post(
        f"/staff/support/inquiries/{inquiry.pk}/reply/", {"body": "確認します。", "internal": "1", "seen": seen}
    )
    assert response.status_code == 302


# --------------------------------------------------------------------------- security queue


def _security(hanako):
    return services.inquiry_create(
        customer=hanako, category_slug="security", fields=SECURITY_FIELDS, description="不正ログインの疑いがあります。"
    )


def test_leaving_the_security_queue_needs_a_reason(hanako, agent):
    inquiry = _security(hanako)
    client = _client(agent)
    response = client.post(f"/staff/support/inquiries/{inquiry.pk}/move/", {"queue": "helpdesk", "reason": ""})
    assert response.status_code == 400
    assert "理由" in response.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.queue.slug == "security"
    assert not AuditEvent.objects.filter(event="support.security_inquiry_moved").exists()


def test_leaving_the_security_queue_with_a_reason_is_audited(hanako, agent):
    inquiry = _security(hanako)
    client = _client(agent)
    response = client.post(
        f"/staff/support/inquiries/{inquiry.pk}/move/",
        {"queue": "helpdesk", "reason": "ログイン方法の質問で、不正アクセスではありません"},
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.queue.slug == "helpdesk"
    row = AuditEvent.objects.get(event="support.security_inquiry_moved")
    assert row.actor == agent and row.user == hanako and not row.visible_to_customer
    assert row.data["reason"].startswith("ログイン方法") and row.data["to"] == "helpdesk"
    assert "不正アクセスではありません" in _page(client, inquiry)


def test_moving_between_ordinary_queues_needs_no_reason(hanako, agent):
    inquiry = create_funds(hanako)
    services.inquiry_move(agent=agent, inquiry=inquiry, queue_slug="helpdesk")
    inquiry.refresh_from_db()
    assert inquiry.queue.slug == "helpdesk"


# --------------------------------------------------------------------------- previews and other inquiries


def test_image_attachments_are_previewed_through_the_checked_view(hanako, agent, staff_factory):
    inquiry = create_funds(hanako, attachments=[upload("screen.png", png_bytes())])
    token = inquiry.attachments.get().token
    page = _page(_client(agent), inquiry)
    assert f'<img class="att-preview" src="/support/attachments/{token}/"' in page
    assert "/media/" not in page
    assert _client(agent).get(f"/support/attachments/{token}/").status_code == 200
    security = _security(hanako)
    sec = services.inquiry_reply_customer(
        inquiry=security, user=hanako, body="画像です。", attachments=[upload("s.png", png_bytes())]
    )
    sec_token = sec.attachments.get().token
    plain_agent = staff_factory(roles=[roles.SUPPORT_AGENT], email="plain@example.jp")
    assert _client(plain_agent).get(f"/support/attachments/{sec_token}/").status_code == 404
    assert _client(plain_agent).get(f"/staff/support/inquiries/{security.pk}/").status_code == 404


def test_requesters_other_inquiries_are_listed_within_visible_queues(hanako, agent, staff_factory):
    first = create_funds(hanako)
    second = create_funds(hanako, allow_duplicate=True)
    security = _security(hanako)
    page = _page(_client(agent), first)
    others = page.split('id="other-inquiries"')[1].split("</section>")[0]
    assert second.reference in others and security.reference in others and first.reference not in others
    plain_agent = staff_factory(roles=[roles.SUPPORT_AGENT], email="plain@example.jp")
    plain = _page(_client(plain_agent), first).split('id="other-inquiries"')[1].split("</section>")[0]
    assert second.reference in plain and security.reference not in plain


def test_keyboard_shortcuts_are_documented_on_the_pages(hanako, agent):
    inquiry = create_funds(hanako)
    client = _client(agent)
    page = _page(client, inquiry)
    shortcuts = page.split('id="shortcuts"')[1].split("</section>")[0]
    for key in ("<kbd>r</kbd>", "<kbd>n</kbd>", "<kbd>m</kbd>", "<kbd>Enter</kbd>"):
        assert key in shortcuts
    queue = client.get("/staff/support/").content.decode()
    assert "<kbd>j</kbd>" in queue and "data-keyboard-list" in queue


def test_customer_without_role_gets_404_on_the_console(hanako):
    inquiry = create_funds(hanako)
    client = _client(hanako)
    assert client.get(f"/staff/support/inquiries/{inquiry.pk}/").status_code == 404
    assert client.post(f"/staff/support/inquiries/{inquiry.pk}/reply/", {"body": "x"}).status_code == 404


def test_audit_label_helper_is_reused(hanako):
    row = audit_log(user=hanako, event="login.success")
    assert presenters.signin_rows([row])[0]["label"] in ("ログイン", "Signed in")
