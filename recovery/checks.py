"""System checks that refuse unsafe recovery settings (registered in RecoveryConfig.ready)."""

from __future__ import annotations

import shutil
from typing import Any

from django.core import checks
from django.utils.module_loading import import_string

from . import conf


def check_recovery_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    hold = conf.get("SELF_SERVICE_HOLD_HOURS")
    if not 24 <= int(hold) <= 72:
        messages.append(
            checks.Error(
                "MADOGUCHI_RECOVERY_SELF_SERVICE_HOLD_HOURS must be between 24 and 72 (product §4a).",
                id="recovery.E001",
            )
        )
    if int(conf.get("RESET_LINK_HOURS")) > 24 or int(conf.get("RESET_HOLD_HOURS")) < 24:
        messages.append(
            checks.Error(
                "Password-reset links may live at most 24 h and the hold must be at least 24 h (product §3).",
                id="recovery.E002",
            )
        )
    if int(conf.get("IDENTITY_HOLD_HOURS")) < 24:
        messages.append(checks.Error("MADOGUCHI_RECOVERY_IDENTITY_HOLD_HOURS must be at least 24.", id="recovery.E003"))
    if not 1 <= int(conf.get("RETENTION_DAYS")) <= 365:
        messages.append(
            checks.Error("MADOGUCHI_RECOVERY_RETENTION_DAYS must be between 1 and 365 (ID images).", id="recovery.E004")
        )
    try:
        import_string(conf.get("IDENTITY_BACKEND"))
    except ImportError:
        messages.append(checks.Error("MADOGUCHI_RECOVERY_IDENTITY_BACKEND cannot be imported.", id="recovery.E005"))
    if shutil.which("tesseract") is None:
        messages.append(
            checks.Warning(
                "Tesseract is not installed: the ID-selfie 'mirrored' pre-check is skipped.",
                hint="Install the Debian packages tesseract-ocr and tesseract-ocr-jpn (scripts/system-deps.sh).",
                id="recovery.W001",
            )
        )
    return messages
