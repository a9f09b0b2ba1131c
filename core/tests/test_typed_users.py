"""Services and selectors take the real user model (issue 16): no user parameter is ``Any``.

mypy's overrides (pyproject.toml) refuse unannotated signatures there; this test refuses the
annotation that would satisfy mypy and check nothing: a user-like parameter typed ``Any``.
core/ is held by its stricter mypy block.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "chat", "helpcenter", "mfa", "recovery", "support", "wallet")
USER_NAMES = {"user", "actor", "agent", "staff", "customer", "editor", "reviewer", "approver", "owner", "viewer"}


def _modules(app: str) -> list[Path]:
    base = ROOT / app
    found = [*base.glob("services.py"), *base.glob("selectors.py"), *base.glob("services/*.py")]
    return sorted(p for p in found if p.is_file())


def untyped_user_parameters(source: str) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        for argument in arguments:
            if argument.arg not in USER_NAMES:
                continue
            annotation = ast.unparse(argument.annotation) if argument.annotation else ""
            if not annotation or "Any" in annotation.replace("AnonymousUser", ""):
                problems.append(f"{node.lineno}: {node.name}({argument.arg}: {annotation or '<none>'})")
    return problems


@pytest.mark.parametrize("app", APPS)
def test_services_and_selectors_type_their_users(app: str) -> None:
    modules = _modules(app)
    assert modules, f"{app} has no services or selectors module: drop it from APPS"
    found = {str(p.relative_to(ROOT)): untyped_user_parameters(p.read_text()) for p in modules}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_scan_sees_an_any_user_and_a_bare_one() -> None:
    source = (
        "def a(*, user: Any) -> None: ...\ndef b(actor) -> None: ...\ndef c(*, user: User | AnonymousUser) -> None: ..."
    )
    assert untyped_user_parameters(source) == ["1: a(user: Any)", "2: b(actor: <none>)"]
