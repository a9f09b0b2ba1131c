"""The rule of accounts/usercache.py, enforced: code that changes users with
``QuerySet.update()`` (or ``bulk_update()``) calls ``usercache.bump()`` in the same function,
or processes keep serving the old row (up to MAX_AGE_SECONDS, or until the next save).

A source scan (AST), so it runs in the ordinary test suite with nothing to install. A user
queryset is recognised by its manager: ``User.objects``, ``get_user_model().objects``,
``type(user).objects``, ``user_model.objects`` / ``UserModel.objects`` and the like (any
name that ends in "user"/"user_model", case-insensitive, before ``.objects``). A queryset
kept in a variable first is not followed: write the chain in one expression.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "node_modules", "var", "staticfiles", ".git", "migrations"}
WRITES = {"update", "bulk_update"}


def _manager_owner_is_user(node: ast.expr) -> bool:
    """``node`` is what ``.objects`` hangs off: is it the user model?"""
    if isinstance(node, ast.Name):
        name = node.id.lower()
        return name.endswith("user") or name.endswith("user_model") or name == "usermodel"
    if isinstance(node, ast.Attribute):  # accounts.models.User
        return node.attr.lower().endswith("user")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "get_user_model":
            return True
        if node.func.id == "type" and node.args:  # type(user).objects
            return _manager_owner_is_user(node.args[0]) or (
                isinstance(node.args[0], ast.Name) and "user" in node.args[0].id.lower()
            )
    return False


def _is_user_queryset(node: ast.expr) -> bool:
    """Walk down ``X.objects.filter(...).exclude(...)`` to ``X.objects``."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr == "objects":
                return _manager_owner_is_user(node.value)
            node = node.value
        else:
            return False


def _calls_bump(scope: ast.AST) -> bool:
    for node in ast.walk(scope):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "bump":
                return True
    return False


def violations(source: str, filename: str = "<source>") -> list[str]:
    """``file:line`` of every user ``.update(`` / ``.bulk_update(`` whose function (or
    module, at top level) never calls ``bump()``."""
    tree = ast.parse(source, filename)
    found: list[str] = []
    functions = (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))
    scopes: list[ast.AST] = [tree, *functions]
    for scope in scopes:
        body = scope.body if isinstance(scope, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef) else []
        # Only this scope's own statements: nested functions are scopes of their own.
        own: list[ast.AST] = []
        stack: list[ast.AST] = list(body)
        while stack:
            node = stack.pop()
            own.append(node)
            stack.extend(
                child
                for child in ast.iter_child_nodes(node)
                if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda)
            )
        writes = [
            node
            for node in own
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in WRITES
            and _is_user_queryset(node.func.value)
        ]
        if writes and not any(_calls_bump(node) for node in own if isinstance(node, ast.Call)):
            found.extend(f"{filename}:{node.lineno}" for node in writes)
    return sorted(set(found), key=lambda item: (item.rsplit(":", 1)[0], int(item.rsplit(":", 1)[1])))


def _project_sources() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if not SKIP_DIRS.intersection(part for part in path.relative_to(ROOT).parts[:-1])
    ]


def test_no_user_update_without_bump_in_the_project() -> None:
    sources = _project_sources()
    assert any(path.name == "usercache.py" for path in sources)  # the scan sees the project
    found = [v for path in sources for v in violations(path.read_text(), str(path.relative_to(ROOT)))]
    assert found == [], "call accounts.usercache.bump(user_id) after these (see accounts/usercache.py)"


def test_the_guard_fails_on_a_planted_update_without_bump() -> None:
    planted = """
from django.contrib.auth import get_user_model
from accounts.models import User

def freeze(user):
    get_user_model().objects.filter(pk=user.pk).update(frozen_at=None)

def rename(user):
    User.objects.filter(pk=user.pk).exclude(is_staff=True).update(first_name="x")

def by_type(user):
    type(user).objects.filter(pk=user.pk).update(is_active=False)

def nested(user):
    def inner():
        usercache.bump(user.pk)  # a bump in another function does not count
    user_model.objects.bulk_update([user], ["email"])
"""
    assert violations(planted, "planted.py") == ["planted.py:6", "planted.py:9", "planted.py:12", "planted.py:17"]


def test_the_guard_accepts_a_bump_and_other_models() -> None:
    fine = """
def freeze(user):
    get_user_model().objects.filter(pk=user.pk).update(frozen_at=None)
    usercache.bump(user.pk)

def other_models(user):
    Balance.objects.filter(user=user).update(available=0)
    SmsCode.objects.filter(user=user).update(superseded=True)
    extra = {}
    extra.update(is_staff=True)
"""
    assert violations(fine) == []
