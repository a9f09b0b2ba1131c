"""Service tokens of the trading core: issued once, stored as SHA-256, scoped, rotatable.

Format: ``mdgs_<prefix>_<secret>``; the prefix identifies the token in lists and logs (it
is not secret), the secret has 256 bits of entropy so a plain SHA-256 (no salt, no slow
hash) is enough: nobody can guess a preimage, and a stolen database does not reveal tokens.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from ..models import ServiceToken

TOKEN_PREFIX = "mdgs_"  # noqa: S105 - a public marker, not a secret


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue(*, name: str, scopes: Iterable[str], expires_at: dt.datetime | None = None) -> tuple[ServiceToken, str]:
    scope_list = sorted(set(scopes))
    unknown = set(scope_list) - set(ServiceToken.Scope.values)
    if unknown or not scope_list:
        raise ValueError(f"unknown or missing scopes: {sorted(unknown)}")
    prefix = secrets.token_hex(6)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = ServiceToken.objects.create(
        name=name, prefix=prefix, token_hash=token_hash(raw), scopes=scope_list, expires_at=expires_at
    )
    return row, raw


def revoke(*, prefix: str) -> bool:
    return bool(ServiceToken.objects.filter(prefix=prefix, revoked_at__isnull=True).update(revoked_at=timezone.now()))


def rotate(*, name: str, grace: dt.timedelta) -> tuple[ServiceToken, str]:
    """Issue a new token with the union of the active tokens' scopes for ``name``; the old
    ones keep working for ``grace`` (so the core can switch without downtime), then expire."""
    now = timezone.now()
    with transaction.atomic():
        old = [t for t in ServiceToken.objects.select_for_update().filter(name=name) if t.is_active(now)]
        if not old:
            raise ValueError(f"no active token named {name!r}")
        scopes = {scope for t in old for scope in t.scopes}
        new, raw = issue(name=name, scopes=scopes)
        deadline = now + grace
        for token in old:
            if token.expires_at is None or token.expires_at > deadline:
                token.expires_at = deadline
                token.save(update_fields=["expires_at"])
    return new, raw


def authenticate(raw: str | None) -> ServiceToken | None:
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = ServiceToken.objects.filter(token_hash=token_hash(raw)).first()
    if token is None or not token.is_active():
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ServiceToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
