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
