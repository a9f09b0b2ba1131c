from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _chat_env(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> None:
    """Private attachment storage, the support catalogue (transactional tests flush it) and
    chat hours open unless a test sets them (tests run at any hour of the day)."""
    location = tmp_path / "private"
    settings.MEDIA_ROOT = location
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}},
    }
    settings.MADOGUCHI_CHAT_ALWAYS_OPEN = True
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    uses_db = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    )
    if uses_db:
        from support.internal.seed import seed_defaults

        seed_defaults()


@pytest.fixture
def customer(user_factory: Callable[..., Any]) -> Any:
    return user_factory(full_name="山田 花子")


@pytest.fixture
def agent(staff_factory: Callable[..., Any]) -> Any:
    return staff_factory(roles=["support_agent"], full_name="佐藤")


@pytest.fixture
def security_agent(staff_factory: Callable[..., Any]) -> Any:
    return staff_factory(roles=["support_agent", "security_agent"], full_name="鈴木")
