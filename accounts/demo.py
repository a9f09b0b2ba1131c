"""Demo accounts from ../shared/docs/api.md. Their secrets are for demonstration only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from . import roles
from .models import User

DEMO_USERS: list[dict[str, Any]] = [
    {
        "email": "hanako@example.jp",
        "password": "Hanako2026pass",
        "phone": "+819012345678",
        "full_name": "山田 花子",
        "full_name_kana": "ヤマダ ハナコ",
        "date_of_birth": dt.date(1990, 4, 1),
        "address": "東京都千代田区丸の内1-1-1",
    },
    {
        "email": "taro@example.jp",
        "password": "Taro2026pass",
        "phone": "+819023456789",
        "full_name": "佐藤 太郎",
        "full_name_kana": "サトウ タロウ",
        "date_of_birth": dt.date(1985, 10, 12),
        "address": "大阪府大阪市北区梅田2-2-2",
    },
    {
        "email": "agent@example.jp",
        "password": "Agent2026pass",
        "phone": "+819034567890",
        "full_name": "窓口 サポート",
        "is_staff": True,
        "roles": [roles.SUPPORT_AGENT, roles.SECURITY_AGENT, roles.IDENTITY_REVIEWER],
    },
    {
        "email": "admin@example.jp",
        "password": "Admin2026pass",
        "phone": "+819045678901",
        "full_name": "窓口 管理者",
        "is_staff": True,
        "is_superuser": True,
        "roles": list(roles.ALL_ROLES),
    },
]


def load() -> None:
    for spec in DEMO_USERS:
        data = dict(spec)
        password = data.pop("password")
        role_names = data.pop("roles", [])
        user = User.objects.filter(email=data["email"]).first()
        if user is None:
            user = User.objects.create_user(password=password, **data)
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        for name in role_names:
            group, _ = Group.objects.get_or_create(name=name)
            user.groups.add(group)
