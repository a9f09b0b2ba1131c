"""django-allauth's own wording, read from the installed package, to prove none of it shows.

Japanese: every msgstr of allauth's ja catalogue, cut at placeholders, line breaks and
sentence ends into fragments of at least 14 characters (shorter ones are plain words such as
「新しいパスワード」 that any page may use). English: fragments of allauth's msgids of at least
20 characters. Plus the phrases customers reported.
"""

from __future__ import annotations

import gettext
import re
from functools import cache
from pathlib import Path

import allauth

ALLAUTH_DIR = Path(allauth.__file__).resolve().parent
REPORTED = (
    "こんにちは、madoguchi です",
    "この変更の起源は以下の通りです",
    "にあなたのメールアドレスを登録しようとしています",
    "Authenticator App Deactivated",
)
# Plain instructions that any text may say in the same words; not allauth's voice.
GENERIC = frozenset({"メールアドレスを確認してください"})
_CUT = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{[^}]*\}\}|[\n。！？!?「」『』（）()：:]")


def _fragments(text: str, minimum: int) -> set[str]:
    return {part.strip() for part in _CUT.split(text) if len(part.strip()) >= minimum}


@cache
def _catalogue(language: str) -> dict[object, str]:
    with (ALLAUTH_DIR / "locale" / language / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)  # type: ignore[attr-defined]


@cache
def stock_phrases(language: str) -> frozenset[str]:
    phrases: set[str] = set()
    for key, value in _catalogue("ja").items():
        if not key:
            continue  # the catalogue header
        msgid = key[0] if isinstance(key, tuple) else key
        if "\x04" in str(msgid):
            msgid = str(msgid).split("\x04", 1)[1]
        if language == "ja":
            phrases |= _fragments(value, 14)
        else:
            phrases |= {p for p in _fragments(str(msgid), 20) if " " in p}
    return frozenset(phrases - GENERIC)


def stock_phrases_in(text: str, language: str) -> list[str]:
    found = [phrase for phrase in stock_phrases(language) if phrase in text]
    found += [phrase for phrase in REPORTED if phrase in text]
    return sorted(found)
