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


@pytest.fixture(autouse=True)
def _catalogue(request: pytest.FixtureRequest) -> None:
    """The catalogue comes from a data migration; transactional tests (here or in other apps)
    flush every table, so make sure it is present whenever a test uses the database."""
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not uses_db:
        return
    from support.internal.seed import seed_defaults

    seed_defaults()
