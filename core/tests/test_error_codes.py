"""Error codes are enum members, never string literals (issue 16, core/errors.py).

An AST scan of every first-party package's non-test code refuses ``ApplicationError("code", …)``
and ``exc.code == "code"`` (also ``!=``, ``in``, ``not in``); the registry's members each say
their condition, and docs/api.md shows the current table."""

from __future__ import annotations

import ast
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import error_catalogue
from core.errors import ApplicationError, CommonErrorCode, ErrorCode, describe, error_code_registry

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("accounts", "api", "chat", "config", "core", "helpcenter", "mfa", "recovery", "support", "wallet")

# Retired by the one-code-per-condition renames (COMMON.md, issue 16).
RETIRED = {
    "two_factor_enrolment_required",
    "two_factor_missing",
    "sms_code_invalid",
    "sms_code_expired",
    "confirmation_invalid",
    "confirmation_expired",
}


def _is_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_literal(element) for element in node.elts)
    return False


def _is_code(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "code"


def literal_codes(source: str, filename: str = "<source>") -> Iterator[tuple[int, str]]:
    """(line, what) for each literal error code in ``source``."""
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name != "ApplicationError":
                continue
            arguments = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "code")]
            if any(_is_literal(argument) for argument in arguments):
                yield node.lineno, f"ApplicationError({ast.unparse(arguments[0])}, …)"
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for index, op in enumerate(node.ops):
                if not isinstance(op, ast.Eq | ast.NotEq | ast.In | ast.NotIn):
                    continue
                left, right = operands[index], operands[index + 1]
                # `"tag" in exc.code` is a substring test, not a comparison of codes
                either_side = isinstance(op, ast.Eq | ast.NotEq) and _is_code(right) and _is_literal(left)
                if (_is_code(left) and _is_literal(right)) or either_side:
                    yield node.lineno, ast.unparse(node)


def _sources(package: str) -> Iterator[Path]:
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts or path.name.startswith("test_"):
            continue
        yield path


def findings(package: str) -> list[str]:
    found = []
    for path in _sources(package):
        for line, what in literal_codes(path.read_text(), str(path)):
            found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_converted_apps_raise_and_compare_enum_members_only(package: str) -> None:
    assert findings(package) == [], (
        "Use the domain's ErrorCode member (core/errors.py, <app>/errors.py), not a string literal"
    )


def test_the_scan_finds_every_form_of_literal() -> None:
    source = """
ApplicationError("link_invalid", "m")
errors.ApplicationError(code="link_invalid", message="m")
ApplicationError(f"x_{y}", "m")
if exc.code == "two_factor_required": pass
if "account_frozen" != error.code: pass
if exc.code in ("a", "b"): pass
if exc.code not in {"a"}: pass
ApplicationError(CommonErrorCode.NOT_FOUND, "m")
if exc.code == CommonErrorCode.NOT_FOUND: pass
if exc.code in CODES: pass
if row.status == "sent": pass
if "destination_tag" in exc.code: pass
"""
    assert [line for line, _what in literal_codes(source)] == [2, 3, 4, 5, 6, 7, 8]


def test_every_package_is_scanned() -> None:
    on_disk = {p.parent.name for p in ROOT.glob("*/apps.py")} | {"config"}
    assert on_disk <= set(PACKAGES), on_disk - set(PACKAGES)


# --------------------------------------------------------------------------- the registry


def test_every_code_is_a_lower_case_member_with_a_one_line_condition() -> None:
    registry = error_code_registry()
    assert registry, "no codes registered"
    for code, member in registry.items():
        assert isinstance(member, ErrorCode)
        assert code == member.value == member.name.lower(), member
        assert describe(member) == member.description
        assert member.description, f"{type(member).__name__}.{member.name} needs a `#` comment saying when"
        assert "\n" not in member.description


def test_the_renamed_codes_are_gone() -> None:
    assert RETIRED.isdisjoint(error_code_registry())


def test_the_registry_holds_every_domain_and_the_common_codes() -> None:
    registry = error_code_registry()
    for code in ("validation_failed", "two_factor_setup_required", "captcha_invalid", "link_invalid"):
        assert code in registry
    assert registry["insufficient_funds"].__class__.__name__ == "WalletErrorCode"
    assert registry["account_frozen"] is CommonErrorCode.ACCOUNT_FROZEN


def test_the_registry_refuses_a_code_declared_twice() -> None:
    class DuplicateErrorCode(ErrorCode):
        NOT_FOUND_AGAIN = "not_found"  # declared a second time

    try:
        with pytest.raises(RuntimeError, match="'not_found' is declared twice"):
            error_code_registry()
    finally:
        del DuplicateErrorCode
        gc.collect()
    error_code_registry()  # gone again


def test_a_member_is_its_wire_string() -> None:
    error = ApplicationError(CommonErrorCode.TWO_FACTOR_INVALID, "wrong")
    assert error.code == "two_factor_invalid"
    assert error.as_dict()["error"]["code"] == "two_factor_invalid"
    assert f"{CommonErrorCode.TWO_FACTOR_INVALID}" == "two_factor_invalid"


def test_descriptions_come_from_the_comment_on_or_above_the_member() -> None:
    assert CommonErrorCode.TWO_FACTOR_SETUP_REQUIRED.description.startswith("no second factor")  # above
    assert CommonErrorCode.RATE_LIMITED.description.startswith("too many attempts")  # on the line


# --------------------------------------------------------------------------- docs/api.md


def test_docs_api_md_lists_the_current_codes() -> None:
    doc = (ROOT / "docs" / "api.md").read_text()
    assert error_catalogue.markdown() in doc, (
        "Regenerate the Error codes section of docs/api.md: python -m core.error_catalogue"
    )


def test_the_catalogue_lists_each_domain_once_common_first() -> None:
    domains = error_catalogue.domains()
    assert domains[0].enum is CommonErrorCode
    assert len({d.enum for d in domains}) == len(domains)
    assert sum(len(d.members) for d in domains) == len(error_code_registry())


def test_each_domain_is_summarised_by_its_own_text_never_the_base_class() -> None:
    from core import error_catalogue
    from core.errors import ErrorCode

    base = (ErrorCode.__doc__ or "").strip().split("\n")[0]
    assert [d.title for d in error_catalogue.domains() if d.summary.startswith(base)] == []
