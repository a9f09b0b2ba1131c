"""Japanese-aware search tokens for the staff console (pure).

Japanese has no spaces, so word-based full-text search finds nothing useful. We index
text as:

* Latin letters/digits (IDs, hashes, emails, English words): whole words, matched by prefix;
* everything else (kana, kanji, full-width symbols after NFKC): overlapping character
  bigrams, so 出金が反映されない is found by 反映 or 出金.

Text is folded first: NFKC (full-width → half-width), case-folded, katakana → hiragana.
Each token is hex-encoded (``x`` + UTF-8 hex) so that PostgreSQL's ``simple`` text-search
parser sees plain ASCII words regardless of the database locale; hex keeps prefixes, so
``tsquery 'x616263:*'`` finds every word beginning with "abc". On PostgreSQL the
``search_grams`` column has a GIN index over ``to_tsvector('simple', search_grams)``.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")
_MAX_INDEXED_CHARS = 20_000
MAX_QUERY_TOKENS = 12


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    # katakana (U+30A1–U+30F6) → hiragana (U+3041–U+3096)
    return "".join(chr(ord(ch) - 0x60) if "\u30a1" <= ch <= "\u30f6" else ch for ch in text)


def _is_cjkish(ch: str) -> bool:
    return not ch.isspace() and not ch.isascii() and (ch.isalnum() or unicodedata.category(ch)[0] in "LN")


def _encode(token: str) -> str:
    return "x" + token.encode("utf-8").hex()


def _raw_tokens(text: str) -> tuple[list[str], list[str]]:
    """(latin words, cjk runs) of folded text."""
    text = fold(text)
    words = _WORD.findall(text)
    runs: list[str] = []
    current: list[str] = []
    for ch in text:
        if _is_cjkish(ch):
            current.append(ch)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return words, runs


def index_tokens(*parts: str) -> str:
    """The ``search_grams`` value stored for a document (space-separated, deduplicated)."""
    text = " ".join(p for p in parts if p)[:_MAX_INDEXED_CHARS]
    words, runs = _raw_tokens(text)
    tokens: dict[str, None] = {}
    for word in words:
        tokens[_encode(word)] = None
    for run in runs:
        for i in range(len(run) - 1):
            tokens[_encode(run[i : i + 2])] = None
        # the last character alone, so a one-character query (prefix match) finds every
        # occurrence: each other occurrence starts a bigram
        tokens[_encode(run[-1])] = None
    return " ".join(tokens)


def query_terms(query: str) -> list[tuple[str, bool]]:
    """(encoded token, is_prefix) pairs that must all match; empty for an empty query."""
    words, runs = _raw_tokens(query)
    terms: dict[str, bool] = {}
    for word in words:
        terms[_encode(word)] = True
    for run in runs:
        if len(run) == 1:
            terms[_encode(run)] = True  # a single kanji matches any bigram starting with it
        for i in range(len(run) - 1):
            terms.setdefault(_encode(run[i : i + 2]), False)
    return list(terms.items())[:MAX_QUERY_TOKENS]


def tsquery(query: str) -> str:
    """A ``to_tsquery('simple', ...)`` string; only [x0-9a-f:*&| ] characters, safe to bind."""
    return " & ".join(f"{tok}:*" if prefix else tok for tok, prefix in query_terms(query))


def matches(grams: str, query: str) -> bool:
    """Pure-Python equivalent of the PostgreSQL match (used on SQLite and in tests)."""
    stored = grams.split()
    for tok, prefix in query_terms(query):
        if prefix:
            if not any(s.startswith(tok) for s in stored):
                return False
        elif tok not in stored:
            return False
    return True
