"""Demo data for the embedded default (called by `manage.py load_demo`): the shipped
articles in both languages and a few announcements for the status page."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from .models import Announcement
from .services import _invalidate_announcements, content_import


@transaction.atomic
def load() -> None:
    content_import()
    if Announcement.objects.exists():
        return
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    Announcement.objects.create(
        kind=Announcement.Kind.INCIDENT,
        title_ja="一部のお客さまで SMS の確認コードが遅れて届く事象（解消済み）",
        title_en="SMS codes arrived late for some customers (resolved)",
        body_ja="携帯電話会社側の混雑により、SMS の到着が最大15分遅れました。現在は解消しています。",
        body_en="Carrier congestion delayed SMS delivery by up to 15 minutes. This has been resolved.",
        starts_at=now - timedelta(days=3, hours=2),
        ends_at=now - timedelta(days=3),
    )
    Announcement.objects.create(
        kind=Announcement.Kind.PLANNED_MAINTENANCE,
        title_ja="定期メンテナンスのお知らせ",
        title_en="Scheduled maintenance",
        body_ja="メンテナンス中はログイン・取引・入出金ができません。終了時刻は前後することがあります。",
        body_en="Signing in, trading, deposits and withdrawals are unavailable during maintenance. "
        "The end time may change.",
        starts_at=now + timedelta(days=10, hours=2),
        ends_at=now + timedelta(days=10, hours=4),
        affects_sign_in=True,
    )
    _invalidate_announcements()
