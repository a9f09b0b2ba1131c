import datetime as dt

import pytest
from django.utils import timezone, translation

from accounts import roles
from core.errors import ApplicationError
from core.models import AuditEvent
from support import selectors, services
from support.internal.calendar import JST
from support.models import Inquiry, InquiryEvent, Message, Priority, QueueCount, Status
from support.tests.factories import FUNDS_FIELDS, SECURITY_FIELDS, create_funds, png_bytes, upload

pytestmark = pytest.mark.django_db

# a Tuesday 10:00 JST with no holiday around
T0 = dt.datetime(2026, 11, 24, 10, 0, tzinfo=JST)


@pytest.fixture
def hanako(user_factory):
    return user_factory(email="hanako@example.jp", full_name="山田花子", language="ja")


@pytest.fixture
def agent(staff_factory):
    return staff_factory(roles=[roles.SUPPORT_AGENT], email="agent1@example.jp")


def count(queue_slug, status):
    row = QueueCount.objects.filter(queue__slug=queue_slug, status=status).first()
    return row.count if row else 0


def test_funds_inquiry_routes_to_funds_support_with_business_hours_sla(hanako, outbox, time_machine):
    time_machine.move_to(T0, tick=False)
    # when
    inquiry = create_funds(hanako)
    # then
    assert inquiry.queue.slug == "funds"
    assert inquiry.priority == Priority.NORMAL
    assert inquiry.status == Status.NEW
    assert inquiry.reference.startswith("Q-") and len(inquiry.reference) == 10
    assert inquiry.fields["occurred_at"] == "2026-11-19T05:30:00Z"
    # normal: 8 business hours (desk 9-18) -> Tue 10:00 + 8h = Tue 18:00
    assert inquiry.first_response_due_at == dt.datetime(2026, 11, 24, 18, 0, tzinfo=JST)
    assert count("funds", "new") == 1
    assert InquiryEvent.objects.filter(inquiry=inquiry, kind="created").exists()
    mails = outbox.emails(to="hanako@example.jp", kind="support_received")
    assert len(mails) == 1
    assert f"/support/inquiries/{inquiry.pk}/" in mails[0].body
    assert "残高に反映" not in mails[0].body and "TX-2026" not in mails[0].body


def test_missing_fields_are_refused_in_the_customers_language(hanako):
    with translation.override("ja"), pytest.raises(ApplicationError) as exc:
        services.inquiry_create(customer=hanako, category_slug="funds", fields={}, description="")
    assert exc.value.code == "validation_failed"
    assert exc.value.fields["amount"] == ["金額・数量は必須です。"]
    assert "subtopic" in exc.value.fields
    with translation.override("en"), pytest.raises(ApplicationError) as exc:
        services.inquiry_create(
            customer=hanako, category_slug="funds", subtopic_slug="deposit", fields={}, description=""
        )
    assert exc.value.fields["tx_reference"] == ["Transaction ID or hash is required."]
    assert Inquiry.objects.count() == 0


def test_security_inquiry_is_urgent_in_security_queue_and_audited(hanako):
    inquiry = services.inquiry_create(
        customer=hanako,
        category_slug="security",
        fields=SECURITY_FIELDS,
        description="不正ログインの可能性があります。",
    )
    assert inquiry.queue.slug == "security"
    assert inquiry.queue.is_security
    assert inquiry.priority == Priority.URGENT
    assert inquiry.category.offers_freeze
    assert AuditEvent.objects.filter(user=hanako, event="support.security_inquiry").exists()


def test_freeze_offer_freezes_the_account(hanako):
    inquiry = services.inquiry_create(
        customer=hanako,
        category_slug="security",
        fields=SECURITY_FIELDS,
        description="不正ログインの可能性があります。",
    )
    assert services.inquiry_freeze_offer_accept(user=hanako, inquiry=inquiry) is True
    hanako.refresh_from_db()
    assert hanako.frozen_at is not None
    assert AuditEvent.objects.filter(user=hanako, event="account.frozen").exists()
    assert InquiryEvent.objects.filter(inquiry=inquiry, kind="customer_froze_account").exists()


def test_security_priority_cannot_be_lowered(hanako, staff_factory):
    supervisor = staff_factory(roles=[roles.SUPPORT_AGENT, roles.SECURITY_AGENT, roles.SUPERVISOR])
    inquiry = services.inquiry_create(
        customer=hanako,
        category_slug="security",
        fields=SECURITY_FIELDS,
        description="不正ログインの可能性があります。",
    )
    with pytest.raises(ApplicationError) as exc:
        services.inquiry_set_priority(agent=supervisor, inquiry=inquiry, priority=Priority.LOW)
    assert exc.value.code == "priority_locked"


def test_duplicate_open_inquiry_is_offered(hanako):
    first = create_funds(hanako)
    with pytest.raises(ApplicationError) as exc:
        create_funds(hanako)
    assert exc.value.code == "open_inquiry_exists" and exc.value.status == 409
    assert exc.value.fields["existing_id"] == [str(first.pk)]
    second = create_funds(hanako, allow_duplicate=True)
    assert second.pk != first.pk


def test_attachments_are_reencoded_without_metadata(hanako):
    jpeg = png_bytes(exif=True)
    assert b"SecretCam" in jpeg
    inquiry = create_funds(hanako, attachments=[upload("../../etc/スクショ.jpg", jpeg, "image/jpeg")])
    att = inquiry.attachments.get()
    stored = att.file.read()
    assert b"SecretCam" not in stored
    assert att.content_type == "image/jpeg"
    assert att.display_name == "スクショ.jpg"
    assert att.token not in att.display_name and att.file.name.startswith("support/")


def test_too_many_attachments_refused(hanako, settings):
    settings.MADOGUCHI_SUPPORT_MAX_ATTACHMENTS = 2
    with pytest.raises(ApplicationError) as exc:
        create_funds(hanako, attachments=[upload(f"{i}.png", png_bytes()) for i in range(3)])
    assert exc.value.code == "too_many_files"
    assert Inquiry.objects.count() == 0


def test_staff_reply_emails_link_only_and_waits_on_customer(hanako, agent, outbox, time_machine):
    time_machine.move_to(T0, tick=False)
    inquiry = create_funds(hanako)
    time_machine.move_to(T0 + dt.timedelta(hours=1), tick=False)
    # when
    services.inquiry_reply_staff(agent=agent, inquiry=inquiry, canned_slug="deposit_credited")
    # then
    inquiry.refresh_from_db()
    assert inquiry.status == Status.WAITING
    assert inquiry.first_responded_at == T0 + dt.timedelta(hours=1)
    assert inquiry.assignee == agent
    assert inquiry.sla_paused_seconds_left is not None
    reply = inquiry.messages.get(kind="reply")
    assert "山田花子 様" in reply.body and inquiry.reference in reply.body
    mails = outbox.emails(to="hanako@example.jp", kind="support_reply")
    assert len(mails) == 1
    assert f"/support/inquiries/{inquiry.pk}/" in mails[0].body
    assert "反映済み" not in mails[0].body and "山田花子" not in mails[0].body
    assert count("funds", "new") == 0 and count("funds", "waiting") == 1


def test_internal_note_is_not_sent_or_shown(hanako, agent, outbox):
    inquiry = create_funds(hanako)
    services.inquiry_reply_staff(agent=agent, inquiry=inquiry, body="社内メモ: 銀行に照会中", internal=True)
    assert not outbox.emails(kind="support_reply")
    assert all(m.kind != "note" for m in selectors.public_thread(inquiry))
    assert any(m.kind == "note" for m in selectors.staff_thread(inquiry))
    inquiry.refresh_from_db()
    assert inquiry.first_responded_at is None


def test_customer_reply_reopens_within_period_and_not_after(hanako, agent, time_machine, settings):
    settings.MADOGUCHI_SUPPORT_REOPEN_DAYS = 7
    time_machine.move_to(T0, tick=False)
    inquiry = create_funds(hanako)
    services.inquiry_reply_staff(agent=agent, inquiry=inquiry, body="確認しました。", new_status=Status.RESOLVED)
    inquiry.refresh_from_db()
    assert inquiry.status == Status.RESOLVED
    # within the period: reopens
    time_machine.move_to(T0 + dt.timedelta(days=6), tick=False)
    services.inquiry_reply_customer(inquiry=inquiry, user=hanako, body="まだ反映されていません。")
    inquiry.refresh_from_db()
    assert inquiry.status == Status.OPEN and inquiry.reopened_count == 1
    assert InquiryEvent.objects.filter(inquiry=inquiry, kind="reopened").exists()
    # resolved again, then too late
    services.inquiry_set_status(agent=agent, inquiry=inquiry, status=Status.RESOLVED)
    time_machine.move_to(T0 + dt.timedelta(days=14), tick=False)
    with pytest.raises(ApplicationError) as exc:
        services.inquiry_reply_customer(inquiry=inquiry, user=hanako, body="もう一度お願いします。")
    assert exc.value.code == "inquiry_closed"
    assert services.resolved_close_after_period() == 1
    inquiry.refresh_from_db()
    assert inquiry.status == Status.CLOSED


def test_waiting_pauses_and_customer_reply_resumes_resolution_clock(hanako, agent, time_machine):
    time_machine.move_to(T0, tick=False)
    inquiry = create_funds(hanako)
    due = inquiry.resolution_due_at
    services.inquiry_reply_staff(agent=agent, inquiry=inquiry, body="スクリーンショットをお送りください。")
    # the customer answers a week later: the remaining business time restarts from then
    time_machine.move_to(T0 + dt.timedelta(days=7), tick=False)
    services.inquiry_reply_customer(inquiry=inquiry, user=hanako, body="スクリーンショットを添付します。")
    inquiry.refresh_from_db()
    assert inquiry.status == Status.OPEN
    assert inquiry.sla_paused_seconds_left is None
    assert inquiry.resolution_due_at - due == dt.timedelta(days=7)


def test_breaches_are_flagged_once(hanako, time_machine):
    time_machine.move_to(T0, tick=False)
    inquiry = create_funds(hanako)
    time_machine.move_to(T0 + dt.timedelta(days=3), tick=False)
    assert services.sla_breaches_flag() == 1
    assert services.sla_breaches_flag() == 0
    inquiry.refresh_from_db()
    assert inquiry.breached_at is not None
    assert InquiryEvent.objects.get(inquiry=inquiry, kind="sla_breached").data == {"target": "first_response"}
    page = selectors.queue_page_for_staff(user=_agent_all(), queue="funds", view="breached", now=timezone.now())
    assert [i.pk for i in page.items] == [inquiry.pk]


def _agent_all():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(email="sup@example.jp", password="x-Passw0rd-1", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=roles.SUPPORT_AGENT)[0])
    return user


def test_customer_close(hanako):
    inquiry = create_funds(hanako)
    services.inquiry_close_customer(inquiry=inquiry, user=hanako)
    inquiry.refresh_from_db()
    assert inquiry.status == Status.CLOSED and inquiry.closed_at is not None
    assert count("funds", "closed") == 1 and count("funds", "new") == 0


def test_other_customer_cannot_reply_even_with_object(hanako, user_factory):
    other = user_factory()
    inquiry = create_funds(hanako)
    from django.http import Http404

    with pytest.raises(Http404):
        services.inquiry_reply_customer(inquiry=inquiry, user=other, body="乗っ取りテストです。")
    assert Message.objects.filter(inquiry=inquiry).count() == 1


def test_assignment_rules(hanako, agent, staff_factory):
    colleague = staff_factory(roles=[roles.SUPPORT_AGENT])
    supervisor = staff_factory(roles=[roles.SUPPORT_AGENT, roles.SUPERVISOR])
    inquiry = create_funds(hanako)
    services.inquiry_assign(agent=agent, inquiry=inquiry, assignee=agent)
    with pytest.raises(ApplicationError) as exc:
        services.inquiry_assign(agent=colleague, inquiry=inquiry, assignee=colleague)
    assert exc.value.status == 403
    services.inquiry_assign(agent=supervisor, inquiry=inquiry, assignee=colleague)
    inquiry.refresh_from_db()
    assert inquiry.assignee == colleague
    assert InquiryEvent.objects.filter(inquiry=inquiry, kind="assignee").count() == 2


def test_moving_between_queues_keeps_counts(hanako, agent):
    inquiry = create_funds(hanako)
    services.inquiry_move(agent=agent, inquiry=inquiry, queue_slug="trading")
    assert count("funds", "new") == 0 and count("trading", "new") == 1
    with pytest.raises(ApplicationError):
        services.inquiry_move(agent=agent, inquiry=inquiry, queue_slug="security")  # not visible to this agent


def test_counts_rebuild_matches_maintained_counts(hanako, agent):
    a = create_funds(hanako)
    create_funds(hanako, allow_duplicate=True)
    services.inquiry_set_status(agent=agent, inquiry=a, status=Status.OPEN)
    before = {(r.queue_id, r.status): r.count for r in QueueCount.objects.exclude(count=0)}
    services.queue_counts_rebuild()
    after = {(r.queue_id, r.status): r.count for r in QueueCount.objects.all()}
    assert before == after


def test_invalid_staff_transition_refused(hanako, agent):
    inquiry = create_funds(hanako)
    services.inquiry_set_status(agent=agent, inquiry=inquiry, status=Status.CLOSED)
    with pytest.raises(ApplicationError) as exc:
        services.inquiry_set_status(agent=agent, inquiry=inquiry, status=Status.WAITING)
    assert exc.value.code == "invalid_transition"


def test_non_staff_cannot_use_staff_services(hanako, user_factory):
    inquiry = create_funds(hanako)
    with pytest.raises(ApplicationError) as exc:
        services.inquiry_reply_staff(agent=hanako, inquiry=inquiry, body="自分で返信")
    assert exc.value.status == 403


def test_fields_survive_as_cleaned_values(hanako):
    inquiry = create_funds(hanako, fields={**FUNDS_FIELDS, "amount": "１，０００．５０"})
    assert inquiry.fields["amount"] == "1000.5"


def test_emails_follow_the_customers_language(user_factory, agent, outbox):
    john = user_factory(email="john@example.com", language="en")
    with translation.override("ja"):  # the agent's console is in Japanese
        inquiry = create_funds(john)
        services.inquiry_reply_staff(agent=agent, inquiry=inquiry, canned_slug="ack_investigating")
    mail = outbox.emails(to="john@example.com", kind="support_reply")[-1]
    assert "New answer to your inquiry" in mail.subject
    assert "Our support team answered" in mail.body
    assert "Dear customer" in inquiry.messages.get(kind="reply").body  # canned reply in English


def test_an_image_above_twelve_megapixels_is_refused_before_decoding(hanako):
    from PIL import Image

    buffer = __import__("io").BytesIO()
    Image.new("L", (4000, 3100)).save(buffer, format="PNG")  # 12.4 MP, a few KB compressed
    with pytest.raises(ApplicationError) as exc:
        create_funds(hanako, attachments=[upload("big.png", buffer.getvalue(), "image/png")])
    assert exc.value.code == "too_large"
    assert "12" in exc.value.message
    assert Inquiry.objects.count() == 0


def test_a_customer_cannot_upload_more_than_the_daily_file_budget(hanako, settings, user_factory):
    settings.MADOGUCHI_SUPPORT_ATTACHMENTS_PER_DAY = 4
    first = create_funds(hanako, attachments=[upload(f"{i}.png", png_bytes()) for i in range(3)])
    assert first.attachments.count() == 3

    # a reply with two more files would exceed it: refused with a clear error, nothing stored
    with pytest.raises(ApplicationError) as exc:
        services.inquiry_reply_customer(
            inquiry=first,
            body="追加の画像です",
            user=hanako,
            attachments=[upload(f"r{i}.png", png_bytes()) for i in range(2)],
        )
    assert (exc.value.code, exc.value.status) == ("upload_limit", 429)
    assert Message.objects.filter(inquiry=first).count() == 1
    # another customer is not affected
    other = user_factory(email="taro@example.jp")
    assert create_funds(other, attachments=[upload("x.png", png_bytes())]).attachments.count() == 1
