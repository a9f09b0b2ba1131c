"""Secrets at rest: encrypted through the allauth MFA adapter; key rotation end to end."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet
from django.core.management import call_command

from mfa import services
from mfa.internal import crypto
from mfa.tests.helpers import code_now, enable_totp, recovery_codes

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 21, 3, 0, 5, tzinfo=dt.UTC)


def test_rotation_moves_every_secret_to_the_new_key_and_codes_keep_working(
    user_factory, settings, time_machine, capsys
):
    time_machine.move_to(T0, tick=False)
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    # given secrets written under the old key
    settings.MADOGUCHI_MFA_ENCRYPTION_KEYS = [old_key]
    user = user_factory()
    enable_totp(user)
    codes_before = recovery_codes(user)
    totp_row = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert crypto.SecretBox([old_key]).decrypt(totp_row.data["secret"]) == "JBSWY3DPEHPK3PXP"

    # when the new key is put in front and the rotation command runs
    settings.MADOGUCHI_MFA_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("mfa_rotate_keys", "--dry-run")
    assert "rotated=2 dry_run=True" in capsys.readouterr().out
    call_command("mfa_rotate_keys")
    assert "rotated=2" in capsys.readouterr().out
    call_command("mfa_rotate_keys")
    assert "rotated=0" in capsys.readouterr().out  # idempotent

    # then the old key can be dropped: codes and recovery codes still work
    settings.MADOGUCHI_MFA_ENCRYPTION_KEYS = [new_key]
    totp_row.refresh_from_db()
    assert crypto.SecretBox([new_key]).decrypt(totp_row.data["secret"]) == "JBSWY3DPEHPK3PXP"
    assert recovery_codes(user) == codes_before
    services.second_factor_verify(user=user, action="email_change", code=code_now())


def test_legacy_plaintext_secret_is_read_then_encrypted_by_rotation(user_factory, time_machine):
    time_machine.move_to(T0, tick=False)
    user = user_factory()
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    services.second_factor_verify(user=user, action="email_change", code=code_now())
    assert services.secrets_rotate()["rotated"] == 1
    row = Authenticator.objects.get(user=user)
    assert crypto.is_encrypted(row.data["secret"])


def test_secret_unreadable_with_wrong_key_fails_closed(user_factory, settings, time_machine):
    from core.errors import ApplicationError

    time_machine.move_to(T0, tick=False)
    settings.MADOGUCHI_MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    user = user_factory()
    enable_totp(user)
    settings.MADOGUCHI_MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ApplicationError) as info:
        services.second_factor_verify(user=user, action="withdrawal", code=code_now())
    assert (info.value.code, info.value.status) == ("two_factor_unavailable", 503)


def test_deploy_check_refuses_missing_keys(settings):
    from mfa.checks import check_encryption_keys

    settings.DEBUG = False
    settings.MADOGUCHI_MFA_ENCRYPTION_KEYS = []
    assert any(m.id == "madoguchi_mfa.E001" for m in check_encryption_keys())
    settings.MADOGUCHI_MFA_ENCRYPTION_KEYS = ["too-short"]
    assert any(m.id == "madoguchi_mfa.E002" for m in check_encryption_keys())
    settings.MADOGUCHI_MFA_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert check_encryption_keys() == []
    settings.MADOGUCHI_MFA_ENCRYPTION_KEYS = ["a-long-operator-secret-from-the-vault-0123456789"]
    assert check_encryption_keys() == []


def test_non_fernet_key_material_is_stretched_and_works(user_factory, settings, time_machine):
    time_machine.move_to(T0, tick=False)
    settings.MADOGUCHI_MFA_ENCRYPTION_KEYS = ["k" * 44]
    user = user_factory()
    enable_totp(user)
    row = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert crypto.is_encrypted(row.data["secret"])
    services.second_factor_verify(user=user, action="email_change", code=code_now())


def test_rp_id_is_pinned_in_production(settings):
    from mfa.adapter import pinned_rp_id

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["madoguchi.example", "10.0.0.1"]
    settings.MADOGUCHI_MFA_WEBAUTHN_RP_ID = ""
    assert pinned_rp_id() == "madoguchi.example"
    settings.MADOGUCHI_MFA_WEBAUTHN_RP_ID = "id.madoguchi.example"
    assert pinned_rp_id() == "id.madoguchi.example"
