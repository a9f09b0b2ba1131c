from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def help_content(db: None) -> None:
    """The shipped demo articles, indexed (what a fresh install has)."""
    from helpcenter.services import content_import

    content_import()


@pytest.fixture
def editor(staff_factory: Any) -> Any:
    from accounts.roles import OPERATOR

    return staff_factory(roles=[OPERATOR], email="editor@example.jp")


def slugs(results: list[dict[str, Any]]) -> list[str]:
    return [r["slug"] for r in results]
