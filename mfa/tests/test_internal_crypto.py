"""Encryption at rest: round trip, rotation, wrong key, legacy plaintext."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from mfa.internal import crypto


def test_round_trip_and_ciphertext_hides_the_secret():
    box = crypto.SecretBox([Fernet.generate_key()])
    stored = box.encrypt("JBSWY3DPEHPK3PXP")
    assert stored.startswith(crypto.PREFIX)
    assert "JBSWY3DPEHPK3PXP" not in stored
    assert box.decrypt(stored) == "JBSWY3DPEHPK3PXP"
    # a fresh IV every time
    assert box.encrypt("JBSWY3DPEHPK3PXP") != stored


def test_rotation_old_key_still_decrypts_then_rotate_moves_to_new_key():
    old, new = Fernet.generate_key(), Fernet.generate_key()
    stored = crypto.SecretBox([old]).encrypt("SECRET")
    # given the new key in front, the old one still listed
    box = crypto.SecretBox([new, old])
    assert box.decrypt(stored) == "SECRET"
    assert box.needs_rotation(stored)
    # when rotated
    rotated = box.rotate(stored)
    # then only the new key is needed
    assert not box.needs_rotation(rotated)
    assert crypto.SecretBox([new]).decrypt(rotated) == "SECRET"
    with pytest.raises(crypto.SecretDecryptionError):
        crypto.SecretBox([new]).decrypt(stored)


def test_unknown_key_refuses():
    stored = crypto.SecretBox([Fernet.generate_key()]).encrypt("SECRET")
    with pytest.raises(crypto.SecretDecryptionError):
        crypto.SecretBox([Fernet.generate_key()]).decrypt(stored)


def test_legacy_plaintext_is_read_and_encrypted_by_rotate():
    box = crypto.SecretBox([Fernet.generate_key()])
    assert box.decrypt("JBSWY3DPEHPK3PXP") == "JBSWY3DPEHPK3PXP"
    assert box.needs_rotation("JBSWY3DPEHPK3PXP")
    rotated = box.rotate("JBSWY3DPEHPK3PXP")
    assert crypto.is_encrypted(rotated) and box.decrypt(rotated) == "JBSWY3DPEHPK3PXP"


def test_tampered_ciphertext_refuses():
    box = crypto.SecretBox([Fernet.generate_key()])
    stored = box.encrypt("SECRET")
    tampered = stored[:-5] + ("A" if stored[-5] != "A" else "B") + stored[-4:]
    with pytest.raises(crypto.SecretDecryptionError):
        box.decrypt(tampered)


def test_derived_key_is_stable_and_valid():
    k1 = crypto.derive_key("django-insecure-x")
    assert k1 == crypto.derive_key("django-insecure-x")
    assert k1 != crypto.derive_key("another")
    crypto.SecretBox([k1]).decrypt(crypto.SecretBox([k1]).encrypt("x"))
