"""Test helpers for support tests (images, valid field sets)."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

FUNDS_FIELDS = {
    "tx_reference": "TX-20261119-0001",
    "occurred_at": "2026-11-19 14:30",
    "currency": "JPY",
    "amount": "10000",
    "bank_or_network": "みずほ銀行",
}
SECURITY_FIELDS = {"what_happened": "身に覚えのないログイン通知が届きました。", "occurred_at": "2026-11-19 23:10"}
SIGNIN_FIELDS = {"failing_step": "sms_code", "message_shown": "コードが違います"}


def png_bytes(size: tuple[int, int] = (64, 48), *, exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x8825] = {1: "N", 2: (35.0, 39.0, 0.0)}  # GPS
        image.save(out, format="JPEG", exif=data.tobytes())
    else:
        image.save(out, format="PNG")
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def create_funds(customer: Any, **kwargs: Any) -> Any:
    from support import services

    params: dict[str, Any] = {
        "customer": customer,
        "category_slug": "funds",
        "subtopic_slug": "deposit",
        "fields": dict(FUNDS_FIELDS),
        "description": "入金したのに残高に反映されません。確認をお願いします。",
    }
    params.update(kwargs)
    return services.inquiry_create(**params)
