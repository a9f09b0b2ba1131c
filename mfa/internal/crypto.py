"""Encryption at rest for 2FA secrets (TOTP keys, recovery-code seeds).

Scheme: Fernet (AES-128-CBC + HMAC-SHA256, authenticated) through a
``MultiFernet`` built from a key list, newest key first.  Encrypting always uses
the first key; decrypting tries each key, so keys can be rotated without
downtime:

1. put a new key at the *front* of ``MADOGUCHI_MFA_ENCRYPTION_KEYS`` and deploy;
2. run ``manage.py mfa_rotate_keys`` (re-encrypts every stored secret with the
   new key; idempotent, safe to re-run);
3. drop the old key from the list and deploy again.

Stored values carry a version prefix (``mfa1:``) so a value written before
encryption was switched on (plain base32) is recognised and can be migrated by
the rotation command instead of failing sign-in.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "mfa1:"


class SecretDecryptionError(Exception):
    """A stored secret could not be decrypted with any configured key."""


def derive_key(material: str, *, purpose: str = "madoguchi.mfa.secrets") -> str:
    """A Fernet key derived from ``material`` (e.g. SECRET_KEY) with HKDF-SHA256.

    Only for the embedded default; production sets explicit keys (system check).
    """
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=purpose.encode(), info=b"fernet-key").derive(
        material.encode("utf-8")
    )
    return base64.urlsafe_b64encode(raw).decode("ascii")


MIN_KEY_MATERIAL = 32


def fernet_key(key: str | bytes) -> bytes:
    """A configured key as a Fernet key: a real Fernet key is used as is; any other
    string of at least 32 characters (e.g. from a secrets manager) is stretched with
    HKDF-SHA256. Shorter strings are refused."""
    raw = key.encode("utf-8") if isinstance(key, str) else key
    try:
        Fernet(raw)
        return raw
    except (ValueError, TypeError):
        pass
    if len(raw) < MIN_KEY_MATERIAL:
        raise ValueError("an encryption key needs at least 32 characters")
    return derive_key(raw.decode("utf-8", "replace"), purpose="madoguchi.mfa.configured-key").encode("ascii")


class SecretBox:
    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._fernets = [Fernet(fernet_key(k)) for k in keys]
        self._multi = MultiFernet(self._fernets)

    def encrypt(self, text: str) -> str:
        token = self._multi.encrypt(text.encode("utf-8"))
        return PREFIX + token.decode("ascii")

    def decrypt(self, value: str) -> str:
        if not is_encrypted(value):
            # Written before encryption was configured; see module docstring.
            return value
        try:
            return self._multi.decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise SecretDecryptionError("no configured key decrypts this secret") from exc

    def needs_rotation(self, value: str) -> bool:
        """True when ``value`` is plaintext or not encrypted with the primary key."""
        if not is_encrypted(value):
            return True
        try:
            self._fernets[0].decrypt(value[len(PREFIX) :].encode("ascii"))
        except InvalidToken:
            return True
        return False

    def rotate(self, value: str) -> str:
        """Re-encrypt ``value`` with the primary key (plaintext gets encrypted)."""
        if not is_encrypted(value):
            return self.encrypt(value)
        try:
            token = self._multi.rotate(value[len(PREFIX) :].encode("ascii"))
        except InvalidToken as exc:
            raise SecretDecryptionError("no configured key decrypts this secret") from exc
        return PREFIX + token.decode("ascii")


def is_encrypted(value: str) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)
