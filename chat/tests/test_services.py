"""Chat services on the real database: ordering, idempotent resends, limits, routing,
accept/transfer/close/convert, the timeout conversion and chat hours."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from chat import selectors, services
from chat.models import ChatMessage, ChatStatus, Conversation
from core.audit import AuditEvent
from core.errors import ApplicationError
from support.internal.calendar import JST
from support.models import Inquiry, Message

pytestmark = pytest.mark.django_db


def start(customer: Any, body: str = "出金が届きません", category: str = "funds", **kw: Any) -> Conversation:
    return services.conversation_start(category_slug=category, body=body, customer=customer, **kw)


def test_start_routes_like_an_inquiry_and_stores_the_first_message(customer: Any) -> None:
    c = start(customer, client_key="k1")
    assert c.status == ChatStatus.WAITING
    assert c.queue.slug == "funds"
    assert c.reference.startswith("C-")
    assert [(m.seq, m.sender, m.body) for m in c.messages.all()] == [(1, "customer", "出金が届きません")]
    assert selectors.queue_position(c) == (1, 4)


def test_second_open_chat_is_refused_with_the_existing_one(customer: Any) -> None:
    c = start(customer)
    with pytest.raises(ApplicationError) as exc:
        start(customer)
    assert exc.value.code == "chat_open_exists"
    assert exc.value.fields["existing_id"] == [str(c.pk)]


def test_unknown_category_and_empty_or_oversized_messages_are_refused(customer: Any, settings: Any) -> None:
    with pytest.raises(ApplicationError) as exc:
        start(customer, category="nope")
    assert exc.value.code == "validation_failed" and "category" in exc.value.fields
    with pytest.raises(ApplicationError) as exc:
        start(customer, body="   ")
    assert "body" in exc.value.fields
    settings.MADOGUCHI_CHAT_MESSAGE_MAX_CHARS = 100
    with pytest.raises(ApplicationError) as exc:
        start(customer, body="あ" * 101)
    assert "100" in exc.value.fields["body"][0]
    assert not Conversation.objects.exists()


def test_guest_chats_only_on_guest_categories() -> None:
    with pytest.raises(ApplicationError):
        services.conversation_start(category_slug="funds", body="hi", guest_email="g@example.com")
    c = services.conversation_start(category_slug="sign_in", body="ログインできない", guest_email="g@example.com")
    assert c.customer is None and c.guest_email == "g@example.com"
    assert selectors.conversation_for_guest(email="G@example.com", conversation_id=c.pk) == c
    with pytest.raises(Http404):
        selectors.conversation_for_guest(email="other@example.com", conversation_id=c.pk)


def test_messages_are_numbered_and_a_resend_with_the_same_key_is_not_doubled(customer: Any, agent: Any) -> None:
    c = start(customer)
    services.conversation_accept(agent=agent, conversation=c)
    m1, created1 = services.message_post(conversation=c, user=customer, body="one", client_key="a-1")
    m2, created2 = services.message_post(conversation=c, user=customer, body="one", client_key="a-1")
    m3, _ = services.message_post(conversation=c, user=agent, body="お待たせしました", client_key="b-1")
    assert created1 and not created2 and m1.pk == m2.pk
    assert ChatMessage.objects.filter(conversation=c, client_key="a-1").count() == 1
    seqs = [m.seq for m in selectors.messages_since(c)]
    assert seqs == list(range(1, len(seqs) + 1))
    assert [m.body for m in selectors.messages_since(c, after=m1.seq)][-1] == "お待たせしました"
    assert m3.sender == "agent"


def test_a_refused_write_takes_no_sequence_number_and_a_late_resend_gets_the_stored_message(
    customer: Any, agent: Any, user_factory: Any
) -> None:
    c = start(customer)
    services.conversation_accept(agent=agent, conversation=c)
    m1, _ = services.message_post(conversation=c, user=customer, body="one", client_key="k-1")
    # a stranger guessing the key gets a 404, not the stored message, and takes no number
    with pytest.raises(Http404):
        services.message_post(conversation=c, user=user_factory(), body="one", client_key="k-1")
    c.refresh_from_db()
    assert c.last_seq == m1.seq
    services.conversation_close(conversation=c, user=customer)
    # the acknowledgement was lost and the chat ended meanwhile: the resend is answered, not refused
    again, created = services.message_post(conversation=c, user=customer, body="one", client_key="k-1")
    assert (again.pk, created) == (m1.pk, False)
    with pytest.raises(ApplicationError) as exc:
        services.message_post(conversation=c, user=customer, body="new", client_key="k-2")
    assert exc.value.code == "chat_ended"
    ended = c.last_seq
    c.refresh_from_db()
    assert c.last_seq == ended + 1  # only the "ended" system line
    assert [m.seq for m in selectors.messages_since(c)] == list(range(1, c.last_seq + 1))


def test_a_stranger_cannot_post_and_an_agent_must_accept_first(customer: Any, agent: Any, user_factory: Any) -> None:
    c = start(customer)
    with pytest.raises(Http404):
        services.message_post(conversation=c, user=user_factory(), body="hi")
    with pytest.raises(ApplicationError) as exc:
        services.message_post(conversation=c, user=agent, body="hi")
    assert exc.value.code == "not_assigned"


def test_rate_limits_per_customer_and_per_address(customer: Any, settings: Any, user_factory: Any) -> None:
    settings.MADOGUCHI_CHAT_MESSAGE_RATE_LIMIT = (3, 60)
    c = start(customer)  # counts as one
    services.message_post(conversation=c, user=customer, body="2")
    services.message_post(conversation=c, user=customer, body="3")
    with pytest.raises(ApplicationError) as exc:
        services.message_post(conversation=c, user=customer, body="4")
    assert exc.value.code == "rate_limited" and exc.value.status == 429
    settings.MADOGUCHI_CHAT_MESSAGE_RATE_LIMIT = (100, 60)
    settings.MADOGUCHI_CHAT_ADDRESS_RATE_LIMIT = (2, 60)
    other = user_factory()
    c2 = start(other, ip="203.0.113.7")
    services.message_post(conversation=c2, user=other, body="x", ip="203.0.113.7")
    with pytest.raises(ApplicationError) as exc:
        services.message_post(conversation=c2, user=other, body="y", ip="203.0.113.7")
    assert exc.value.code == "rate_limited"


def test_agents_are_not_limited_by_the_customer_limits(customer: Any, agent: Any, settings: Any) -> None:
    settings.MADOGUCHI_CHAT_MESSAGE_RATE_LIMIT = (2, 60)
    settings.MADOGUCHI_CHAT_ADDRESS_RATE_LIMIT = (2, 60)
    c = start(customer, ip="198.51.100.1")
    services.conversation_accept(agent=agent, conversation=c)
    for n in range(5):  # one office address, many answers
        services.message_post(conversation=c, user=agent, body=f"answer {n}", ip="198.51.100.1")
    services.message_post(conversation=c, user=customer, body="ok", ip="198.51.100.2")
    with pytest.raises(ApplicationError) as exc:
        services.message_post(conversation=c, user=customer, body="again", ip="198.51.100.3")
    assert exc.value.code == "rate_limited"


def test_attachments_go_through_the_inquiry_content_checks(customer: Any) -> None:
    c = start(customer)
    fake = SimpleUploadedFile("x.png", b"MZ\x90\x00 not an image", content_type="image/png")
    with pytest.raises(ApplicationError) as exc:
        services.message_post(conversation=c, user=customer, body="see", attachments=[fake])
    assert "attachments" in exc.value.fields
    assert c.messages.count() == 1


def test_accept_respects_the_per_agent_limit_and_first_come(
    agent: Any, staff_factory: Any, user_factory: Any, settings: Any
) -> None:
    settings.MADOGUCHI_CHAT_MAX_PER_AGENT = 1
    c1 = start(user_factory())
    c2 = start(user_factory())
    assert selectors.queue_position(c2) == (2, 8)
    services.conversation_accept(agent=agent, conversation=c1)
    with pytest.raises(ApplicationError) as exc:
        services.conversation_accept(agent=agent, conversation=c2)
    assert exc.value.code == "chat_limit"
    other = staff_factory(roles=["support_agent"])
    with pytest.raises(ApplicationError) as exc:
        services.conversation_accept(agent=other, conversation=c1)
    assert exc.value.code == "chat_taken"
    c2.refresh_from_db()
    assert selectors.queue_position(c2) == (1, 4)


def test_security_chats_are_invisible_to_agents_without_the_role(
    customer: Any, agent: Any, security_agent: Any
) -> None:
    c = start(customer, category="security", body="不正ログインされた")
    assert c.queue.is_security
    with pytest.raises(Http404):
        selectors.conversation_for_staff(user=agent, conversation_id=c.pk)
    with pytest.raises(Http404):
        services.conversation_accept(agent=agent, conversation=c)
    services.conversation_accept(agent=security_agent, conversation=c)
    assert AuditEvent.objects.filter(event="chat.security_chat").exists()


def test_every_staff_read_is_audited(customer: Any, agent: Any) -> None:
    c = start(customer)
    before = AuditEvent.objects.filter(event="chat.staff_read").count()
    selectors.conversation_for_user(user=agent, conversation_id=c.pk)
    selectors.conversation_for_user(user=customer, conversation_id=c.pk)
    rows = AuditEvent.objects.filter(event="chat.staff_read")
    assert rows.count() == before + 1
    last = rows.last()
    assert last is not None and last.actor == agent and last.user == customer


def test_transfer_puts_the_chat_in_the_other_teams_queue(customer: Any, agent: Any) -> None:
    c = start(customer)
    services.conversation_accept(agent=agent, conversation=c)
    services.conversation_transfer(agent=agent, conversation=c, queue_slug="trading", reason="取引の件")
    c.refresh_from_db()
    assert (c.status, c.queue.slug, c.assignee) == ("waiting", "trading", None)
    from django.utils import translation

    from chat.presenters import message_dict

    with translation.override("ja"):
        assert "取引サポート" in message_dict(selectors.messages_since(c)[-1])["body"]


def test_close_keeps_the_transcript_and_emails_only_a_link(customer: Any, agent: Any, outbox: Any) -> None:
    c = start(customer, body="コード 123456 を入力しました")
    services.conversation_accept(agent=agent, conversation=c)
    services.conversation_close(conversation=c, user=customer)
    c.refresh_from_db()
    assert c.status == "closed" and c.end_reason == "customer"
    mails = outbox.emails(kind="chat_transcript", to=customer.email)
    assert mails, "a transcript email"
    text = mails[-1].body
    assert "123456" not in text
    assert f"/chat/{c.pk}/" in text
    with pytest.raises(ApplicationError):
        services.message_post(conversation=c, user=customer, body="after")


def test_convert_to_inquiry_carries_the_whole_transcript(customer: Any, agent: Any) -> None:
    c = start(customer)
    services.conversation_accept(agent=agent, conversation=c)
    services.message_post(conversation=c, user=agent, body="確認します")
    inquiry = services.conversation_convert(conversation=c, agent=agent)
    c.refresh_from_db()
    assert c.status == "converted" and c.inquiry == inquiry
    assert inquiry.customer == customer and inquiry.queue.slug == "funds"
    body = Message.objects.get(inquiry=inquiry).body
    assert "出金が届きません" in body and "確認します" in body and c.reference in body
    # idempotent
    assert services.conversation_convert(conversation=c) == inquiry


def test_waiting_timeout_becomes_an_inquiry(customer: Any, settings: Any) -> None:
    settings.MADOGUCHI_CHAT_WAIT_TIMEOUT_MINUTES = 10
    c = start(customer)
    assert services.waiting_timeout_convert(now=timezone.now() + dt.timedelta(minutes=5)) == 0
    assert services.waiting_timeout_convert(now=timezone.now() + dt.timedelta(minutes=11)) == 1
    c.refresh_from_db()
    assert c.status == "converted" and c.end_reason == "timeout" and c.inquiry_id is not None
    assert Inquiry.objects.filter(pk=c.inquiry_id, customer=customer).exists()


@pytest.mark.parametrize(
    ("moment", "open_now"),
    [
        (dt.datetime(2026, 12, 3, 10, 30, tzinfo=JST), True),  # Thursday
        (dt.datetime(2026, 12, 3, 9, 59, tzinfo=JST), False),
        (dt.datetime(2026, 12, 3, 17, 0, tzinfo=JST), False),
        (dt.datetime(2026, 12, 5, 12, 0, tzinfo=JST), False),  # Saturday
        (dt.datetime(2026, 11, 23, 12, 0, tzinfo=JST), False),  # 勤労感謝の日 (Monday)
    ],
)
def test_chat_hours_follow_the_contact_page(moment: dt.datetime, open_now: bool, settings: Any) -> None:
    settings.MADOGUCHI_CHAT_ALWAYS_OPEN = False
    assert selectors.chat_hours(now=moment).open_now is open_now


def test_year_end_closure_closes_chat(customer: Any, settings: Any) -> None:
    from support.models import Closure

    settings.MADOGUCHI_CHAT_ALWAYS_OPEN = False
    Closure.objects.create(
        starts_at=dt.datetime(2026, 12, 29, tzinfo=JST), ends_at=dt.datetime(2027, 1, 4, tzinfo=JST), channels=[]
    )
    with time_machine.travel(dt.datetime(2026, 12, 28, 11, 0, tzinfo=JST), tick=False):
        assert selectors.chat_hours().open_now
    with time_machine.travel(dt.datetime(2026, 12, 30, 11, 0, tzinfo=JST), tick=False):
        assert not selectors.chat_hours().open_now
        with pytest.raises(ApplicationError) as exc:
            start(customer)
        assert exc.value.code == "chat_closed"


def test_hours_ending_converts_the_waiting_chats(customer: Any, settings: Any) -> None:
    with time_machine.travel(dt.datetime(2026, 12, 3, 16, 55, tzinfo=JST), tick=False):
        settings.MADOGUCHI_CHAT_ALWAYS_OPEN = False
        c = start(customer)
    assert services.waiting_timeout_convert(now=dt.datetime(2026, 12, 3, 17, 1, tzinfo=JST)) == 1
    c.refresh_from_db()
    assert c.end_reason == "hours_ended"


def test_security_agent_freezes_from_a_security_chat(customer: Any, agent: Any, security_agent: Any) -> None:
    c = start(customer, category="security", body="乗っ取られた")
    with pytest.raises(ApplicationError):
        services.customer_freeze_from_chat(agent=agent, conversation=c)
    assert services.customer_freeze_from_chat(agent=security_agent, conversation=c) is True
    customer.refresh_from_db()
    assert customer.frozen_at is not None
