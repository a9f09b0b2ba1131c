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


def _words(text: str) -> list[str]:
    return text.split()


_DROP_POS = frozenset({"助詞", "助動詞", "補助記号", "記号", "空白"})
# Sudachi verbs that carry no meaning for search once auxiliaries are gone.
_DROP_JA = frozenset({"為る", "居る", "有る", "成る", "因る", "様", "事", "物", "の", "こと", "もの", "よう"})
# Words of a whole sentence that say how the customer asks, not what about: politeness
# (下さる, 頂く), hedges (思う, 言う, 仕舞う), question words, "the way to" (方法, やり方, 仕方),
# time and degree adverbs. Dropped at indexing and at query time alike, so
# 「2段階認証の設定方法」 is the query 「2段階認証 設定」.
_FUNCTION_JA = frozenset(
    _words(
        """言う 仕舞う 思う 下さる 頂く 戴く 貰う 呉れる 致す 申す 参る 御座る 欲しい 教える 困る 分かる 判る
        方法 遣る 方 仕方 やり方 使い方 見方 手段 御 お ご 場合 際 時 とき 為 ため 訳 積もり 所 ところ 感じ 辺り
        等 など 達 何 何時 何故 何処 如何 どう どの どれ どこ どんな どうして どうやって なぜ いつ 何か 何度 何回
        色々 色んな この その あの こんな そんな あんな 此の 其の 彼の
        今 今日 最近 先日 昨日 さっき 先程 急 急に 突然 全然 全く 絶対 本当 本当に 一度 ちょっと 少し 又 また
        既に もう まだ 未だ ずっと 直ぐ すぐ 中々 なかなか 一寸 何とか 大丈夫 宜しい よろしい 是非 お願い 願う
        すみません 済む 失礼 有難う ありがとう 問題 状態 自分 私 僕 俺 我々
        とは 出来れば 可能 可能性 知れる かも いい 良い 一番 結構 特に 普通 通常"""
    )
)
# Non-independent verbs right after て/で are auxiliaries (〜てしまう, 〜ておく, 〜てみる, 〜ている).
_AUX_AFTER_TE = frozenset(
    {"仕舞う", "置く", "おく", "見る", "居る", "来る", "行く", "有る", "下さる", "貰う", "頂く", "呉れる"}
)

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
        "want",
        "wanted",
        "need",
        "needs",
        "like",
        "know",
        "tell",
        "way",
        "ways",
        "method",
        "steps",
        "hi",
        "hello",
        "thanks",
        "thank",
        "really",
        "something",
        "anything",
        "anyone",
        "yet",
        "now",
        "already",
        "say",
        "says",
        "said",
        "saying",
        "anymore",
        "ever",
    ]
)

_LATIN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_HIRAGANA = re.compile(r"^[\u3041-\u309f\u30fc\s]+$")
_WORD_CHARS = re.compile(r"[^\w]+")
_KATAKANA_WORD = re.compile(r"^[\u30a1-\u30fa\u30fc]{4,}$")
# Katakana ニ typed for the kanji 二 before 段階 / 要素 (a common IME slip).
_KATAKANA_NI = re.compile(r"[ニに](?=段階|要素)")
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
    after_te = False
    prev_pos = ""
    for m in _sudachi().tokenize(chunk):
        pos = m.part_of_speech()[0]
        te, after_te = after_te, False
        before, prev_pos = prev_pos, pos
        if pos == "助動詞" and m.normalized_form() in _NEGATIVE_AUX:
            if 0 <= last_verb == len(out) - 1:
                out.append(out[last_verb] + "ない")
            last_verb = -1
            continue
        if pos in _DROP_POS or pos == "代名詞":
            after_te = pos == "助詞" and m.surface() in ("て", "で")
            continue
        if pos == "動詞" and m.normalized_form() in _FUNCTION_JA:
            last_verb = -1  # 分かる / 言う: their negation says nothing about the topic
            continue
        if pos == "動詞" and (m.normalized_form() in _DROP_JA or (te and m.normalized_form() in _AUX_AFTER_TE)):
            # light verb (反映-される) or auxiliary (覚えて-いない): a following negation
            # belongs to the word before it, unless a particle separates them (私では-ありません)
            if before == "助詞" and not te:
                last_verb = -1
            elif out and last_verb != len(out) - 1:
                last_verb = len(out) - 1
            continue
        form = m.normalized_form().lower()
        if form in _DROP_JA or form in _FUNCTION_JA or m.surface() in _FUNCTION_JA or pos in ("感動詞", "接続詞"):
            continue
        form = _WORD_CHARS.sub("", unicodedata.normalize("NFKC", form))
        if form.isascii() and form.isalpha():
            # Sudachi spells some loanwords in Latin (グーグル → Google): stem them like typed English
            form = _en_token(form) or ""
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


# ---- readings: hiragana, katakana variants and kanji typos ---------------------------------

_KANA_RUN = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc]{3,}")
_HIRAGANA_RUN = re.compile(r"[\u3041-\u3096\u30fc]{3,}")
_KANA_ONLY = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc]+$")
_JAPANESE = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u4e00-\u9fff々]")
_ROMA = dict(
    zip(
        "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
        "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴァィゥェォャュョヮ",
        _words(
            """a i u e o ka ki ku ke ko sa shi su se so ta chi tsu te to na ni nu ne no ha hi fu he ho
            ma mi mu me mo ya yu yo ra ri ru re ro wa o n ga gi gu ge go za ji zu ze zo da ji zu de do
            ba bi bu be bo pa pi pu pe po bu a i u e o ya yu yo wa"""
        ),
        strict=True,
    )
)
_SMALL_Y = {"ャ": "a", "ュ": "u", "ョ": "o", "ェ": "e", "ィ": "i", "ァ": "a", "ォ": "o", "ゥ": "u"}
_DOUBLE_VOWEL = re.compile(r"([aiueo])\1+|ou|ei")


def romaji(kana: str) -> str:
    """A folded Latin key for a reading: katakana/hiragana → romaji, long vowels (ー, おう,
    ええ) and small-kana spellings collapsed, so キャプチャ ~ カプチャ and オーセンティケーター =
    オーセンティケータ compare by sound (kyapucha / kapucha)."""
    kata = hiragana_to_katakana(kana)
    out: list[str] = []
    double = False
    for ch in kata:
        if ch == "ッ":
            double = True
            continue
        if ch == "ー":
            continue
        if ch in _SMALL_Y and out and out[-1] and out[-1][-1] in "aiueo":
            prev = out[-1]
            stem = prev[:-1]
            if stem.endswith(("sh", "ch", "j")) and ch in "ャュョ":
                out[-1] = stem + _SMALL_Y[ch]
            elif ch in "ャュョ" and stem:
                out[-1] = stem + "y" + _SMALL_Y[ch]
            else:
                out[-1] = (stem if stem else prev) + _SMALL_Y[ch]
            continue
        piece = _ROMA.get(ch)
        if piece is None:
            piece = ch if ch.isascii() and ch.isalnum() else ""
        if double and piece:
            piece = piece[0] + piece
        double = False
        out.append(piece)
    return _DOUBLE_VOWEL.sub(lambda m: m.group(0)[0], "".join(out))


@functools.lru_cache(maxsize=200_000)
def reading(term: str) -> str:
    """The folded reading (see :func:`romaji`) of an index term, from Sudachi's reading forms
    (認証 → ninsho, 2段階 → nidankai); "" for terms without Japanese characters."""
    if not _JAPANESE.search(term) and not term.isdigit():
        return ""
    return romaji("".join(m.reading_form() for m in _sudachi().tokenize(term)))


# Verbs that say what the customer did, not what went wrong (コードを入れても…, アプリを使って…):
# weaker evidence of the topic than the nouns around them. Symptom verbs (違う, 届く, 消える)
# and negations (届くない) keep their full weight.
_GENERIC_VERBS = frozenset(
    _words("入れる 使う 作る 見る 出す 押す 開く 行う 書く 持つ 取る 始める 続ける 変える 選ぶ 進む 試す 使える 上げる")
)


def is_verb(term: str) -> bool:
    """A generic action verb (see ``_GENERIC_VERBS``)."""
    return term in _GENERIC_VERBS


def hiragana_runs(text: str) -> list[str]:
    """Runs of three or more hiragana in the normalised query (にだんかいにんしょう)."""
    return _HIRAGANA_RUN.findall(normalize(text))


def is_kana(term: str) -> bool:
    return bool(_KANA_ONLY.match(term))


def is_japanese(term: str) -> bool:
    return bool(_JAPANESE.search(term))


def is_hiragana(text: str) -> bool:
    return bool(_HIRAGANA.match(normalize(text)))


def hiragana_to_katakana(text: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)
