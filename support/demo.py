"""Demo data (embedded default): hanako's inquiries in different states and queue content
for agent@example.jp. Idempotent: does nothing once hanako has inquiries."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from support import services
from support.internal.calendar import JST
from support.internal.seed import seed_defaults
from support.models import Closure, Inquiry, Status


def _local(days_ago: float) -> str:
    return (timezone.now() - dt.timedelta(days=days_ago)).astimezone(JST).strftime("%Y-%m-%d %H:%M")


def load() -> None:
    seed_defaults()
    users = get_user_model().objects
    hanako = users.filter(email="hanako@example.jp").first()
    taro = users.filter(email="taro@example.jp").first()
    agent = users.filter(email="agent@example.jp").first()
    if hanako is None or agent is None or Inquiry.objects.filter(customer=hanako).exists():
        return
    now = timezone.now()

    # hanako: a deposit the agent answered (waiting on her), a resolved sign-in question,
    # a new trading question and a closed one
    deposit = services.inquiry_create(
        customer=hanako,
        category_slug="funds",
        subtopic_slug="deposit",
        fields={
            "tx_reference": "20261120-MZH-0042",
            "occurred_at": _local(1.2),
            "currency": "JPY",
            "amount": "50000",
            "bank_or_network": "みずほ銀行",
        },
        description="昨日振り込んだ5万円がまだ残高に反映されていません。",
        now=now - dt.timedelta(days=1),
    )
    services.inquiry_reply_staff(agent=agent, inquiry=deposit, canned_slug="need_more_info")
    signin = services.inquiry_create(
        customer=hanako,
        category_slug="sign_in",
        subtopic_slug="authenticator",
        fields={"failing_step": "second_factor", "message_shown": "認証コードが正しくありません"},
        description="認証アプリのコードを入れてもエラーになります。",
        now=now - dt.timedelta(days=3),
    )
    services.inquiry_reply_staff(
        agent=agent, inquiry=signin, canned_slug="signin_clock_drift", new_status=Status.RESOLVED
    )
    services.inquiry_create(
        customer=hanako,
        category_slug="trading",
        fields={"order_id": "ORD-7788123", "occurred_at": _local(0.1), "pair": "BTC/JPY", "amount": "0.01"},
        description="成行注文が想定より高い価格で約定しました。理由を教えてください。",
    )
    other = services.inquiry_create(
        customer=hanako,
        category_slug="other",
        fields={},
        description="取引報告書はどこからダウンロードできますか。",
        now=now - dt.timedelta(days=20),
    )
    services.inquiry_close_customer(inquiry=other, user=hanako)

    # queue content for the agent: taro's system trouble (SLA already breached), a security
    # report (urgent) and a guest sign-in inquiry
    if taro is not None:
        services.inquiry_create(
            customer=taro,
            category_slug="system",
            fields={
                "device": "iPhone 15",
                "os": "iOS 19.1",
                "app_version": "madoguchi 3.2.0",
                "error_message": "通信エラーが発生しました (E1002)",
                "occurred_at": _local(2.5),
            },
            description="アプリでチャートを開くと通信エラーになります。",
            now=now - dt.timedelta(days=2),
        )
        services.inquiry_create(
            customer=taro,
            category_slug="security",
            fields={
                "what_happened": "見覚えのない端末からのログイン通知メールが届きました。",
                "occurred_at": _local(0.05),
            },
            description="至急確認してください。パスワードは変更済みです。",
        )
    services.inquiry_create(
        guest_email="guest.demo@example.com",
        category_slug="sign_in",
        subtopic_slug="email_not_arriving",
        fields={"failing_step": "email_link", "message_shown": "なし"},
        description="パスワード再設定のメールが届きません。迷惑メールフォルダも確認しました。",
    )
    services.sla_breaches_flag()

    if not Closure.objects.exists():
        year = now.astimezone(JST).year
        Closure.objects.create(
            starts_at=dt.datetime(year, 12, 29, tzinfo=JST),
            ends_at=dt.datetime(year + 1, 1, 4, tzinfo=JST),
            channels=["phone", "chat"],
            reason_ja="年末年始休業（フォームは受付中）",
            reason_en="Year-end holidays (the form stays open)",
        )
