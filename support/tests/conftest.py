from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _private_storage(settings: Any, tmp_path: Path) -> None:
    """Each test stores attachments in its own directory (so 'nothing stored' is checkable)."""
    location = tmp_path / "private"
    settings.MEDIA_ROOT = location
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}},
    }
