"""Text analysis shared by indexing and querying.

One function, :func:`analyze`, turns Japanese or English text into the token stream
that both search backends index (SQLite FTS5 with ``unicode61`` over space-separated
tokens, PostgreSQL ``simple`` tsvector over the same tokens). Because the database never
tokenises on its own, both backends see exactly the same terms.

Steps:
1. NFKC (full-width digits/letters, half-width katakana) and lower case.
2. Latin runs (``[a-z0-9]+``) are split off and stemmed with the Snowball English
   stemmer; English stop words are dropped.
3. Everything else goes to Sudachi in split mode A; we keep the *normalised form*
   (so 二段階 and 2段階 both give ``2 段階``, 出来る/できる unify) and drop particles,
   auxiliary verbs, symbols and white space.
4. A trailing long-vowel mark on katakana words of four or more characters is removed
   (セルフィー / セルフィ, ユーザー / ユーザ), the way JIS Z 8301 spelling varies.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata

import snowballstemmer
from sudachipy import dictionary, tokenizer

_DROP_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白"})
# Sudachi verbs that carry no meaning for search once auxiliaries are gone.
_DROP_JA = frozenset({"為る", "居る", "有る", "成る", "因る", "様", "事", "物", "の", "こと", "もの", "よう"})

EN_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "and",
        "or",
        "but",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "i",
        "me",
        "my",
        "mine",
        "you",
        "your",
        "we",
        "our",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "can",
        "could",
        "cannot",
        "can't",
        "cant",
        "couldn't",
        "do",
        "does",
        "did",
        "doesn't",
        "don't",
        "didn't",
        "not",
        "no",
        "nor",
        "so",
        "if",
        "then",
        "than",
        "too",
        "very",
        "will",
        "would",
        "should",
        "shall",
        "may",
        "might",
        "must",
        "have",
        "has",
        "had",
        "having",
        "how",
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "why",
        "just",
        "also",
        "into",
        "out",
        "up",
        "about",
        "after",
        "before",
        "over",
        "again",
        "any",
        "some",
        "all",
        "each",
        "please",
        "help",
        "get",
        "gets",
        "getting",
        "got",
        "im",
        "i'm",
        "ive",
        "i've",
        "won't",
        "wont",
        "isn't",
        "aren't",
        "wasn't",
        "keep",
        "keeps",
        "kept",
        "come",
        "came",
        "comes",
        "coming",
        "still",
        "even",
        "again",
        "my",
    ]
)

_LATIN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_HIRAGANA = re.compile(r"^[\u3041-\u309f\u30fc\s]+$")
_WORD_CHARS = re.compile(r"[^\w]+")
_KATAKANA_WORD = re.compile(r"^[\u30a1-\u30fa\u30fc]{4,}$")
# Katakana ニ typed for the kanji 二 before 段階 / 要素 (a common IME slip).
_KATAKANA_NI = re.compile(r"ニ(?=段階|要素)")
# English phrasal verbs that matter for sign-in wording: "sign in" vs "sign up".
_PHRASAL = re.compile(r"\b(sign|log)(?:s|ed|ged|ing|ging)?[\s-]*(in|on|up|out)\b")
_NEGATIVE_AUX = frozenset({"ない", "ず", "ぬ", "ん"})
# A number and its counter are one word for search (2段階, 6桁, 24時間): keeps phrase
# matching off the very common bare digits.
_COUNTERS = frozenset(
    {"段階", "要素", "桁", "倍", "時間", "分", "秒", "回", "日", "件", "文字", "営業日", "ヶ月", "か月"}
)

_local = threading.local()
_stemmer_lock = threading.Lock()


def _sudachi() -> tokenizer.Tokenizer:
    tok = getattr(_local, "tokenizer", None)
    if tok is None:
        tok = _dictionary().tokenizer(mode=tokenizer.Tokenizer.SplitMode.A)
        _local.tokenizer = tok
    return tok


@functools.cache
def _dictionary() -> dictionary.Dictionary:
    return dictionary.Dictionary(dict="core")


def _stemmer() -> snowballstemmer.stemmer:
    st = getattr(_local, "stemmer", None)
    if st is None:
        st = snowballstemmer.stemmer("english")
        _local.stemmer = st
    return st


def normalize(text: str) -> str:
    """NFKC + lower case + IME slip fixes; the form every other step starts from."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _PHRASAL.sub(lambda m: m.group(1) + ("in" if m.group(2) == "on" else m.group(2)), text)
    return _KATAKANA_NI.sub("二", text)


def _fold_katakana(token: str) -> str:
    if _KATAKANA_WORD.match(token) and token.endswith("ー"):
        return token.rstrip("ー")
    return token


def _ja_tokens(chunk: str) -> list[str]:
    """Sudachi tokens. A negated verb also yields a negation token (できない/できません ->
    出来る 出来るない; 反映されない -> 反映 反映ない), since help-centre questions are
    mostly about what does *not* work."""
    out: list[str] = []
    last_verb = -1
    for m in _sudachi().tokenize(chunk):
        pos = m.part_of_speech()[0]
        if pos == "助動詞" and m.normalized_form() in _NEGATIVE_AUX:
            if 0 <= last_verb == len(out) - 1:
                out.append(out[last_verb] + "ない")
                last_verb = -1
            continue
        if pos in _DROP_POS or pos == "代名詞":
            continue
        if m.normalized_form() in _DROP_JA and pos == "動詞":
            # light verb (反映-される): a following negation belongs to the noun before it
            if out and last_verb != len(out) - 1:
                last_verb = len(out) - 1
            continue
        form = m.normalized_form().lower()
        if form in _DROP_JA:
            continue
        form = _WORD_CHARS.sub("", unicodedata.normalize("NFKC", form))
        if not form:
            continue
        if form in _COUNTERS and out and out[-1].isdigit() and last_verb == -2:
            out[-1] += form
            last_verb = -1
            continue
        out.append(_fold_katakana(form))
        last_verb = len(out) - 1 if pos in ("動詞", "形容詞") else (-2 if form.isdigit() else -1)
    return out


EN_NEGATION = frozenset(
    [
        "can't",
        "cant",
        "cannot",
        "couldn't",
        "couldnt",
        "unable",
        "won't",
        "wont",
        "doesn't",
        "doesnt",
        "don't",
        "dont",
        "didn't",
        "didnt",
        "isn't",
        "isnt",
        "not",
        "never",
        "no",
    ]
)
NEGATION_TOKEN = "cannot"  # noqa: S105 (not a password)


def _en_token(word: str) -> str | None:
    word = word.replace("’", "'")
    if word in EN_NEGATION:
        return NEGATION_TOKEN
    if word in EN_STOP:
        return None
    word = word.split("'")[0]
    if not word or word in EN_STOP:
        return None
    if word.isdigit():
        return word
    return str(_stemmer().stemWord(word))


def analyze(text: str) -> list[str]:
    """Return the search tokens of ``text`` (already normalised, in order)."""
    text = normalize(text)
    tokens: list[str] = []
    pos = 0
    for m in _LATIN.finditer(text):
        if m.start() > pos:
            chunk = text[pos : m.start()]
            if chunk.strip():
                tokens.extend(_ja_tokens(chunk))
        tok = _en_token(m.group(0))
        if tok and not (tok == NEGATION_TOKEN and tokens and tokens[-1] == NEGATION_TOKEN):
            tokens.append(tok)
        pos = m.end()
    if pos < len(text) and text[pos:].strip():
        tokens.extend(_ja_tokens(text[pos:]))
    return _join_counters(tokens)


def _join_counters(tokens: list[str]) -> list[str]:
    out: list[str] = []
    for t in tokens:
        if t in _COUNTERS and out and out[-1].isdigit():
            out[-1] += t
        else:
            out.append(t)
    return out


def is_hiragana(text: str) -> bool:
    return bool(_HIRAGANA.match(normalize(text)))


def hiragana_to_katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


def warm_up() -> None:
    """Load the Sudachi dictionary (about a second) before the first request needs it."""
    analyze("ログイン sign in")
