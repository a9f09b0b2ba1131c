"""Operator bootstrap on a fresh production database: the first operator and the help centre."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts import roles
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "Correct-horse-2026-battery"


def _run(*args: str, **options: Any) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return settings


@pytest.fixture
def password_file(tmp_path: Path) -> Path:
    path = tmp_path / "operator_password"
    path.write_text(PASSWORD + "\n", encoding="utf-8")
    return path


def test_create_operator_from_a_password_file(production, password_file):
    output = _run("create_operator", email="Ops@Madoguchi.example", password_file=password_file, interactive=False)
    user = get_user_model().objects.get(email__iexact="ops@madoguchi.example")
    # staff with the operator role, not a superuser, able to sign in with the given password
    assert user.is_staff and user.is_active and not user.is_superuser
    assert roles.has_role(user, roles.OPERATOR)
    assert not roles.has_role(user, roles.SUPPORT_AGENT)
    assert user.check_password(PASSWORD)
    assert EmailAddress.objects.get(user=user).verified
    # no second factor yet: it is enrolled at the first sign-in
    assert not Authenticator.objects.filter(user=user).exists()
    assert "second factor" in output
    # the password is never printed
    assert PASSWORD not in output
    assert AuditEvent.objects.filter(user=user, event="staff.operator_created", visible_to_customer=False).exists()


def test_create_operator_from_the_environment_as_superuser(production, monkeypatch):
    monkeypatch.setenv("MADOGUCHI_OPERATOR_PASSWORD", PASSWORD)
    output = _run("create_operator", email="root@madoguchi.example", superuser=True, interactive=False)
    user = get_user_model().objects.get(email="root@madoguchi.example")
    assert user.is_superuser and all(roles.has_role(user, name) for name in roles.ALL_ROLES)
    assert PASSWORD not in output


def test_create_operator_prompts_twice(production, monkeypatch):
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("sys.stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})())
    monkeypatch.delenv("MADOGUCHI_OPERATOR_PASSWORD", raising=False)
    output = _run("create_operator", email="prompted@madoguchi.example")
    assert get_user_model().objects.get(email="prompted@madoguchi.example").check_password(PASSWORD)
    assert PASSWORD not in output


def test_create_operator_refuses_without_a_password(production, monkeypatch):
    monkeypatch.delenv("MADOGUCHI_OPERATOR_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="no password"):
        _run("create_operator", email="ops@madoguchi.example", interactive=False)
    assert not get_user_model().objects.exists()


def test_create_operator_refuses_a_weak_password_and_an_existing_account(production, tmp_path, user_factory):
    weak = tmp_path / "weak"
    weak.write_text("password", encoding="utf-8")
    with pytest.raises(CommandError, match="refused") as refused:
        _run("create_operator", email="ops@madoguchi.example", password_file=weak, interactive=False)
    assert "password" in str(refused.value)
    assert not get_user_model().objects.filter(email="ops@madoguchi.example").exists()
    existing = user_factory(email="taken@madoguchi.example")
    strong = tmp_path / "strong"
    strong.write_text(PASSWORD, encoding="utf-8")
    with pytest.raises(CommandError, match="already exists"):
        _run("create_operator", email="TAKEN@madoguchi.example", password_file=strong, interactive=False)
    existing.refresh_from_db()
    assert not existing.is_staff


# --------------------------------------------------------------------------- help content


def test_load_help_content_is_production_content_and_idempotent(production):
    from helpcenter.internal.content import CONTENT_DIR
    from helpcenter.models import Article, ArticleTranslation, Category

    slugs = {path.name.rsplit(".", 2)[0] for path in CONTENT_DIR.glob("*.md")}
    output = _run("load_help_content")
    assert f"{len(slugs)} new article(s)" in output
    assert set(Article.objects.values_list("slug", flat=True)) == slugs
    assert Article.objects.filter(is_published=True).count() == len(slugs)
    assert Category.objects.exists()
    translations = ArticleTranslation.objects.count()
    assert translations == len(list(CONTENT_DIR.glob("*.md")))
    # staff edit an article, then the release runs the command again
    edited = ArticleTranslation.objects.filter(language="ja").first()
    edited.title = "スタッフが編集したタイトル"
    edited.save(update_fields=["title"])
    again = _run("load_help_content")
    assert "0 new article(s), 0 translation(s) written" in again
    assert ArticleTranslation.objects.count() == translations
    edited.refresh_from_db()
    assert edited.title == "スタッフが編集したタイトル"
    # no demo data came with it
    assert not get_user_model().objects.exists()


def test_load_help_content_overwrite_restores_the_shipped_text(production):
    from helpcenter.models import ArticleTranslation

    _run("load_help_content")
    edited = ArticleTranslation.objects.filter(language="en").first()
    shipped = edited.title
    edited.title = "edited"
    edited.save(update_fields=["title"])
    _run("load_help_content", overwrite=True)
    edited.refresh_from_db()
    assert edited.title == shipped


def test_load_help_content_refuses_a_broken_folder_and_changes_nothing(production, tmp_path):
    from helpcenter.models import Article, Category

    with pytest.raises(CommandError, match=r"categories\.txt"):
        _run("load_help_content", directory=tmp_path)
    (tmp_path / "categories.txt").write_text("general|1|一般|General\n", encoding="utf-8")
    (tmp_path / "good.en.md").write_text("---\ntitle: Good\ncategory: general\n---\nBody\n", encoding="utf-8")
    (tmp_path / "zzz-bad.en.md").write_text("no front matter\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nothing changed"):
        _run("load_help_content", directory=tmp_path)
    assert not Article.objects.exists() and not Category.objects.exists()
