"""Compare what the customer submitted with what is registered, the way a reviewer would.

Japanese details are written many ways that mean the same thing: full-width or half-width
letters and digits (ＹＡＭＡＤＡ / YAMADA, １−２−３ / 1-2-3), half-width katakana, katakana
or hiragana readings (ヤマダ / やまだ), spaces between family and given name (山田 花子 /
山田花子, ideographic space), 丁目/番地/番/号 or dashes in addresses, and old or variant
kanji in names (髙橋 / 高橋, 齋藤 / 斎藤). `normalise()` folds these; `compare()` says
whether two values match after folding and returns diff segments for highlighting.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

# Variant (itaiji) kanji that appear in registered names -> common form.
_VARIANTS = str.maketrans(
    {
        "髙": "高",
        "﨑": "崎",
        "嵜": "崎",
        "邊": "辺",
        "邉": "辺",
        "濵": "浜",
        "濱": "浜",
        "齋": "斎",
        "齊": "斉",
        "澤": "沢",
        "國": "国",
        "廣": "広",
        "壽": "寿",
        "櫻": "桜",
        "瀨": "瀬",
        "眞": "真",
        "德": "徳",
        "冨": "富",
        "籠": "篭",
        "龍": "竜",
        "藏": "蔵",
    }
)
_DASHES = re.compile("[\u2010-\u2015\u2212\u2500\u30fc\uff0d\uff70~\u301c\uff5e]")
_ADDRESS_UNITS = re.compile(r"(?<=\d)\s*(丁目|番地の|番地|番|号の|号|の)\s*(?=\d)")
_TRAILING_UNITS = re.compile(r"(?<=\d)\s*(番地|番|号)$")
_SPACE = re.compile(r"[\s\u3000]+")
_PUNCT = re.compile(r"[・･.,、，。]")


def _katakana_to_hiragana(text: str) -> str:
    return "".join(chr(ord(ch) - 0x60) if "\u30a1" <= ch <= "\u30f6" else ch for ch in text)


def normalise(value: str, *, kind: str = "name") -> str:
    """Fold width, kana, case, spacing and variants. kind: "name" | "address" | "text"."""
    text = unicodedata.normalize("NFKC", value or "")
    text = text.translate(_VARIANTS)
    text = _katakana_to_hiragana(text).casefold()
    if kind == "address":
        # a long-vowel mark or any dash between digits is a separator: 1ー2 == 1-2
        text = _DASHES.sub("-", text)
        text = _ADDRESS_UNITS.sub("-", text)
        text = _TRAILING_UNITS.sub("", text)
        text = re.sub(r"(?<=\d)\s*-\s*(?=\d)", "-", text)
    text = _PUNCT.sub("", text)
    return _SPACE.sub("", text)


@dataclass(frozen=True, slots=True)
class FieldComparison:
    field: str
    registered: str
    submitted: str
    matches: bool
    # (text, changed) segments of the submitted value in normalised form, for <mark>ing
    submitted_segments: tuple[tuple[str, bool], ...]
    registered_segments: tuple[tuple[str, bool], ...]


def compare(field: str, registered: str, submitted: str, *, kind: str = "name") -> FieldComparison:
    a, b = normalise(registered, kind=kind), normalise(submitted, kind=kind)
    matches = bool(a) and a == b
    reg_segments: list[tuple[str, bool]] = []
    sub_segments: list[tuple[str, bool]] = []
    if matches:
        reg_segments, sub_segments = [(registered, False)], [(submitted, False)]
    else:
        matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            changed = op != "equal"
            if i2 > i1:
                reg_segments.append((a[i1:i2], changed))
            if j2 > j1:
                sub_segments.append((b[j1:j2], changed))
    return FieldComparison(
        field=field,
        registered=registered,
        submitted=submitted,
        matches=matches,
        submitted_segments=tuple(sub_segments),
        registered_segments=tuple(reg_segments),
    )
