"""Demo data: an identity case for the agent (agent@example.jp, IDENTITY_REVIEWER) to review.

taro@example.jp "lost the phone" and asks for a 2FA reset. The name is typed with a wrong
kanji (太朗 instead of 太郎) and the address in 丁目/番/号 notation, so the review page shows
one highlighted mismatch and one notation-insensitive match. The photo is synthetic
(demo_data/id_selfie_demo.jpg: a public-domain NASA portrait with a drawn card and note).
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model

from .models import IdentityCase

DEMO_IMAGE = Path(__file__).parent / "demo_data" / "id_selfie_demo.jpg"


def load() -> None:
    from . import services

    user = get_user_model().objects.filter(email="taro@example.jp").first()
    if user is None or IdentityCase.objects.filter(user=user).exists():
        return
    services.identity_case_submit(
        user=user,
        purpose=IdentityCase.Purpose.TWO_FACTOR_RESET,
        details={
            "full_name": "佐藤 太朗",
            "full_name_kana": "ｻﾄｳ ﾀﾛｳ",
            "address": "大阪府大阪市北区梅田２丁目２番２号",
            "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else "1985-10-12",
            "registered_phone": user.phone or "090-2345-6789",
            "phone_changed": True,
            "new_phone": "080-1111-2222",
            "emails": [user.email, "taro.sato@example.com"],
        },
        image=DEMO_IMAGE.read_bytes(),
    )
