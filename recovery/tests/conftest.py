from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recovery.tests import imagegen


@pytest.fixture(autouse=True)
def private_storage(settings: Any, tmp_path: Path) -> Path:
    """ID images go to a per-test private directory, so a test can see exactly what was stored."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "base_url": None},
        },
    }
    return location


def stored_files(location: Path) -> list[Path]:
    return [p for p in location.rglob("*") if p.is_file()] if location.exists() else []


@pytest.fixture(scope="session")
def good_selfie() -> bytes:
    return imagegen.id_selfie_bytes(1000, 800)


@pytest.fixture(scope="session")
def blurry_selfie() -> bytes:
    return imagegen.id_selfie_bytes(1000, 800, blur=3.0)


@pytest.fixture(scope="session")
def glare_selfie() -> bytes:
    return imagegen.id_selfie_bytes(1000, 800, glare=True)


def totp_user(user_factory: Any, **fields: Any) -> Any:
    """A customer with a real TOTP authenticator (secret JBSWY3DPEHPK3PXP)."""
    from allauth.mfa.totp.internal.auth import TOTP

    user = user_factory(**fields)
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    return user


def sign_in_to_2fa_step(client: Any, user: Any) -> Any:
    """Password checked, stopped at allauth's 2FA step (what a customer with a lost phone sees)."""
    from tests_support.captcha import solve

    response = client.post(
        "/accounts/login/", {"login": user.email, "password": "Passw0rd-test", "captcha": solve(client)}
    )
    assert response.status_code == 302, response.content[:500]
    assert "/2fa/" in response["Location"], response["Location"]
    return response
