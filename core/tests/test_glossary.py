"""The glossary as a lint: no banned variant in a Japanese msgstr or a template.

The rules are read from docs/glossary.md (the "not" column and the allowed exceptions), so
the document and the check cannot drift apart.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
GLOSSARY = ROOT / "docs" / "glossary.md"


def _rules() -> tuple[dict[str, str], list[str]]:
    banned: dict[str, str] = {}
    exceptions: list[str] = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 4 and cells[1] not in ("日本語", "---"):
            for variant in re.findall(r"`([^`]+)`", cells[2]):
                banned[variant] = cells[1]
    text = GLOSSARY.read_text(encoding="utf-8")
    block = text.split("Allowed exceptions (", 1)[1].split("\n\n", 1)[0]
    exceptions = re.findall(r"`([^`]+)`", block)
    return banned, exceptions


def _offences(text: str, where: str) -> list[str]:
    banned, exceptions = _rules()
    for allowed in exceptions:
        text = text.replace(allowed, "")
    return [f"{where}: 「{variant}」 → 「{use}」" for variant, use in banned.items() if variant in text]


def _catalogues() -> list[Path]:
    return sorted(p for p in ROOT.glob("**/locale/ja/LC_MESSAGES/django.po") if ".venv" not in p.parts)


def _templates() -> list[Path]:
    return sorted(
        p
        for p in ROOT.glob("**/templates/**/*")
        if p.is_file() and p.suffix in (".html", ".txt") and ".venv" not in p.parts and "node_modules" not in p.parts
    )


def test_the_glossary_has_rules():
    banned, exceptions = _rules()
    assert {"二段階認証", "多要素認証", "セキュリティキー", "取引制限", "サインイン"} <= set(banned)
    assert "口座開設" in exceptions
    assert _offences("二段階認証を設定", "x") and not _offences("口座開設", "x")


def test_no_banned_variant_in_a_japanese_msgstr():
    offences = []
    for path in _catalogues():
        for entry in polib.pofile(str(path)):
            texts = [entry.msgstr, *entry.msgstr_plural.values()]
            where = f"{path.relative_to(ROOT)}: {entry.msgid[:50]!r}"
            for text in texts:
                offences += _offences(text, where)
    assert offences == []


def test_no_banned_variant_in_a_template():
    offences = []
    for path in _templates():
        offences += _offences(path.read_text(encoding="utf-8", errors="ignore"), str(path.relative_to(ROOT)))
    assert offences == []


# --- Japanese written directly in Python and in the help articles -------------------------

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")

# Files that must keep the variants (docs/glossary.md, "Places that must keep the variants"):
# the search side knows what customers type, tests feed variants in, migrations are history.
SEARCH_SIDE_PYTHON = {
    # its docstring shows a synonym rule (2段階認証 | 二要素認証 | …): the rules themselves live
    # in synonyms.txt, which this lint never reads.
    "helpcenter/internal/synonyms.py",
}


def _is_test_or_history(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return (
        "tests" in parts
        or "migrations" in parts
        or path.name.startswith("test_")
        or path.name == "conftest.py"
        or ".venv" in parts
        or "node_modules" in parts
    )


def _python_sources() -> list[Path]:
    return sorted(
        p
        for p in ROOT.glob("**/*.py")
        if not _is_test_or_history(p) and str(p.relative_to(ROOT)) not in SEARCH_SIDE_PYTHON
    )


def _japanese_literals(source: str) -> list[tuple[int, str]]:
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and JAPANESE.search(node.value):
            found.append((node.lineno, node.value))
    return found


def _article_text(markdown: str) -> str:
    """An article without its front matter's ``keywords:`` line (search-side variants)."""
    return "\n".join(line for line in markdown.splitlines() if not line.startswith("keywords:"))


def test_no_banned_variant_in_a_japanese_python_string():
    offences = []
    for path in _python_sources():
        where = str(path.relative_to(ROOT))
        for lineno, text in _japanese_literals(path.read_text(encoding="utf-8")):
            offences += _offences(text, f"{where}:{lineno}")
    assert offences == []


def test_no_banned_variant_in_a_japanese_help_article():
    articles = sorted((ROOT / "helpcenter" / "content").glob("*.ja.md"))
    assert len(articles) > 20
    offences = []
    for path in articles:
        offences += _offences(_article_text(path.read_text(encoding="utf-8")), str(path.relative_to(ROOT)))
    assert offences == []


def test_the_python_and_article_scans_can_fail():
    # A variant in a Python literal is caught, one in a comment is not code and is ignored.
    literals = _japanese_literals('# 二段階認証\nMESSAGE = f"{x}二段階認証を設定しました"\n')
    assert [lineno for lineno, _ in literals] == [2]
    assert _offences(literals[0][1], "x")
    # The search side keeps its variants; the text customers read does not.
    article = "---\ntitle: 二段階認証\nkeywords: バックアップコード, 二段階認証\n---\n本文"
    assert "バックアップコード" not in _article_text(article) and "二段階認証" in _article_text(article)
    assert "helpcenter/internal/synonyms.py" not in {str(p.relative_to(ROOT)) for p in _python_sources()}
    assert "support/defaults.py" in {str(p.relative_to(ROOT)) for p in _python_sources()}
