"""Internal helpers and session keys shared by the recovery service modules. Callers use
``recovery.services``."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest

from core import ratelimit

RESET_SESSION_KEY = "recovery.password_reset"


CASE_ACCESS_SESSION_KEY = "recovery.case_access"


FREEZE_SALT = "recovery.freeze-link"


RESUBMIT_SALT = "recovery.resubmit-link"


RESET_SMS_PURPOSE = "password_reset"


SELF_SERVICE_SMS_PURPOSE = "authenticator_lost"


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _site(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _ip_key(request: HttpRequest | None) -> str:
    return ratelimit.client_ip(request) or "unknown"
