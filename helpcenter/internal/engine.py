"""Ranking, independent of the index backend.

The backend (SQLite FTS5 or PostgreSQL tsvector) finds candidates — every document
that contains any alternative of any query group — and returns the best few hundred by
its own rank together with their token streams. The final score is computed here, the
same way for both backends:

    score = sum over matched groups g of idf(g) * (TITLE_BOOST * [g in title]
                                                   or KEYWORD_BOOST * [g in keywords]
                                                   + BM25 term-frequency part in body)
    final = score * (COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * coverage ** 2)
                  * (1 + TITLE_COVERAGE_BONUS * title_coverage ** 2)

where ``coverage`` (``title_coverage``) is the idf-weighted share of query groups the
document (its title and keywords) matches, so
an article that answers every word of 「スマホ 紛失 2段階認証」 beats one that only
mentions 認証 many times. Short queries get typo tolerance: a term the index has never
seen is replaced by the closest title/keyword term (rapidfuzz), and an all-hiragana
query is retried in katakana (ろぐいん → ログイン).
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rapidfuzz import fuzz, process

from .analysis import (
    analyze,
    hiragana_runs,
    hiragana_to_katakana,
    is_hiragana,
    is_japanese,
    is_kana,
    is_verb,
    normalize,
    reading,
    romaji,
)
from .synonyms import Group, SynonymTable

TITLE_BOOST = 2.5
KEYWORD_BOOST = 1.5
K1 = 1.2
B = 0.75
COVERAGE_FLOOR = 0.25
TITLE_COVERAGE_BONUS = 0.5
CANDIDATES = 40
# Groups found in more than this share of documents do not drive candidate retrieval
# (they still count in the score): "出来る" alone must not pull in half the index.
RETRIEVAL_MAX_DF_SHARE = 0.2
RETRIEVAL_MIN_DF_CAP = 500
FUZZY_MAX_GROUPS = 4
FUZZY_MIN_LEN = 3
FUZZY_CUTOFF = 75.0
# Readings: a Japanese word the index has never seen is looked up by its sound (出勤 → 出金,
# 返納 → 変更, カプチャ → キャプチャ), a hiragana run is split into indexed words by their
# readings (にだんかいにんしょう → 2段階 認証).
READING_CUTOFF = 80.0
READING_MIN_LEN = 4  # romaji letters, for the fuzzy comparison
SEGMENT_MIN_PIECE = 3
# a guessed concept counts less than a typed one, more so in a long sentence
GUESS_WEIGHT = 0.8
GUESS_WEIGHT_SENTENCE = 0.6
# among equally good matches, the article whose title is mostly the query wins
# (「ログイン」 → 「ログインできない」, not 「ログインできなくても問い合わせできる？」)
TITLE_PRECISION_BONUS = 1.0
# a synonym counts this much of the word the customer typed (水没 finds 故障 articles,
# but the 水没 article first)
SYNONYM_WEIGHT = 0.6
# a verb of a sentence says less about the topic than its nouns (コードを入れても…)
VERB_WEIGHT = 0.6


# Inflections a hiragana run may end with (にゅうきん はんえい されない).
def _split(text: str) -> list[str]:
    return text.split()


_KANA_ENDINGS = tuple(
    sorted(
        _split(
            "されない されてない されません された される できない できません できる しない しません した"
            " したい する ない ません ました たい られた られる れた れる"
        ),
        key=len,
        reverse=True,
    )
)


@dataclass(frozen=True)
class _Readings:
    by_reading: dict[str, str]
    fuzzy: list[str]


def _weigh_verbs(g: Group) -> Group:
    """A verb the customer typed (入れる, 届く) counts less than the nouns around it."""
    if len(g.typed) == 1 and is_verb(g.typed[0]):
        return Group(g.alternatives, prefix=g.prefix, weight=g.weight * VERB_WEIGHT, typed=g.typed)
    return g


def _segment(key: str, by_reading: dict[str, str]) -> list[str] | None:
    """Cover ``key`` (romaji) with the fewest readings of ``by_reading`` (each at least
    SEGMENT_MIN_PIECE letters, or the whole key); None when it cannot be covered."""
    n = len(key)
    if key in by_reading:
        return [by_reading[key]]
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    longest = min(n, 24)
    for i in range(1, n + 1):
        for j in range(max(0, i - longest), i - SEGMENT_MIN_PIECE + 1):
            prev = best[j]
            if prev is None:
                continue
            word = by_reading.get(key[j:i])
            if word and (best[i] is None or len(prev) + 1 < len(best[i])):  # type: ignore[arg-type]
                best[i] = [*prev, word]
    return best[n]


@dataclass(frozen=True)
class Candidate:
    doc_id: int
    title_tokens: str
    keyword_tokens: str
    body_tokens: str


@dataclass(frozen=True)
class Scored:
    doc_id: int
    score: float


class Backend(Protocol):
    def candidates(
        self,
        language: str,
        groups: Sequence[Group],
        limit: int,
        *,
        matches: Sequence[int] = (),
        title_groups: Sequence[Group] = (),
    ) -> list[Candidate]: ...

    def doc_frequencies(self, language: str, groups: Sequence[Group]) -> list[int]: ...

    def stats(self, language: str) -> tuple[int, float]: ...

    def vocabulary(self, language: str) -> list[str]: ...

    def term_counts(self, language: str) -> dict[str, int]: ...


# ---- query expressions for the two backends ------------------------------------------


def fts5_expression(groups: Sequence[Group], *, all_groups: bool = False) -> str:
    """FTS5 MATCH text: every alternative quoted (no FTS syntax from the user survives);
    groups OR-ed, or AND-ed with ``all_groups``."""
    ors = []
    for g in groups:
        parts = ['"' + " ".join(alt) + '"' + ("*" if g.prefix else "") for alt in g.alternatives]
        ors.append("(" + " OR ".join(parts) + ")" if all_groups and len(parts) > 1 else " OR ".join(parts))
    return (" AND " if all_groups else " OR ").join(ors)


def tsquery_expression(groups: Sequence[Group], *, all_groups: bool = False, weights: str = "") -> str:
    """to_tsquery('simple', ...) text; ``weights`` ("AB") restricts to title/keywords."""
    label = f":{weights}" if weights else ""
    ors = []
    for g in groups:
        parts = []
        for alt in g.alternatives:
            terms = [_ts_quote(t) + label for t in alt]
            if g.prefix:
                terms[-1] = terms[-1] + ("*" if weights else ":*")
            parts.append("(" + " <-> ".join(terms) + ")" if len(terms) > 1 else terms[0])
        ors.append("(" + " | ".join(parts) + ")" if all_groups and len(parts) > 1 else " | ".join(parts))
    return (" & " if all_groups else " | ").join(ors)


def _ts_quote(term: str) -> str:
    return "'" + term.replace("'", "''").replace("\\", "") + "'"


# ---- matching in Python (for the final score) -----------------------------------------


@dataclass(frozen=True)
class _Plan:
    """How to count one group in a field: its alternatives as they appear in the token text."""

    weight: float
    exact: tuple[str, ...]  # "a" or "a b" (phrase)
    prefixes: tuple[str, ...]
    typed: str = ""  # the alternative the customer typed; the others are synonyms

    @classmethod
    def of(cls, g: Group, weight: float) -> _Plan:
        alts = tuple(" ".join(alt) for alt in g.alternatives)
        typed = " ".join(g.typed) if g.typed and len(alts) > 1 and not g.prefix else ""
        return cls(weight, () if g.prefix else alts, alts if g.prefix else (), typed)

    def strength(self, found: dict[str, int]) -> float:
        """1 when the typed word is there, SYNONYM_WEIGHT when only a synonym is, else 0."""
        if not found:
            return 0.0
        if not self.typed:
            return 1.0 if self.count(found) else 0.0
        if found.get(self.typed):
            return 1.0
        return SYNONYM_WEIGHT if self.count(found) else 0.0

    def weighted_count(self, found: dict[str, int]) -> float:
        n = self.count(found)
        if not self.typed or not n:
            return float(n)
        own = found.get(self.typed, 0)
        return own + SYNONYM_WEIGHT * (n - own)

    @property
    def alternatives(self) -> tuple[str, ...]:
        return self.exact + tuple(p + "*" for p in self.prefixes)

    def count(self, found: dict[str, int]) -> int:
        if not found:
            return 0
        n = 0
        for alt in self.exact:
            n += found.get(alt, 0)
        for p in self.prefixes:
            n += sum(c for t, c in found.items() if t.startswith(p))
        return n


def _matcher(plans: list[_Plan]) -> list[re.Pattern[str]]:
    """Regexes finding every alternative of every group as whole tokens (C speed): one for
    phrases and one for single words, so a phrase (googl authent) never hides a word of
    another group (googl)."""
    singles: set[str] = set()
    phrases: set[str] = set()
    for p in plans:
        for a in p.alternatives:
            (phrases if " " in a else singles).add(a)
    out = []
    for alts in (phrases, singles):
        if alts:
            ordered = sorted(alts, key=len, reverse=True)
            parts = [re.escape(a[:-1]) + r"\S*" if a.endswith("*") else re.escape(a) for a in ordered]
            out.append(re.compile(r"(?<![^ ])(?:" + "|".join(parts) + r")(?![^ ])"))
    return out


def _found(rxs: list[re.Pattern[str]], text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    if not text:
        return out
    for rx in rxs:
        for m in rx.findall(text):
            out[m] = out.get(m, 0) + 1
    return out


def _word_count(words: set[str]) -> int:
    """Distinct words, a negated verb counted once (ログイン 出来る 出来るない → 2)."""
    return max(1, len(words) - sum(1 for w in words if w + "ない" in words))


class Engine:
    def __init__(self, backend: Backend, synonyms: SynonymTable) -> None:
        self.backend = backend
        self.synonyms = synonyms
        self._cache: dict[tuple[str, str, str], object] = {}
        # free-form per-generation memo for callers (e.g. result cards)
        self.memo: dict[tuple[str, str], dict[int, Any]] = {}
        self._title_lengths: dict[str, int] = {}
        self._lock = threading.Lock()

    # Per-engine caches; the caller builds a new Engine when the index generation changes.
    def _cached(self, kind: str, language: str, key: str, compute):  # type: ignore[no-untyped-def]
        ck = (kind, language, key)
        with self._lock:
            if ck in self._cache:
                return self._cache[ck]
        value = compute()
        with self._lock:
            if len(self._cache) > 50_000:
                self._cache = {}
            self._cache[ck] = value
        return value

    def _df(self, language: str, g: Group) -> int:
        return self._dfs(language, [g])[0]

    def _dfs(self, language: str, groups: Sequence[Group]) -> list[int]:
        """Document frequencies, cached; the missing ones fetched in one query."""
        with self._lock:
            missing = [g for g in groups if ("df", language, g.key) not in self._cache]
        if missing:
            values = self.backend.doc_frequencies(language, missing)
            with self._lock:
                if len(self._cache) > 50_000:
                    self._cache = {}
                for g, v in zip(missing, values, strict=True):
                    self._cache[("df", language, g.key)] = v
        with self._lock:
            return [int(self._cache.get(("df", language, g.key), 0)) for g in groups]  # type: ignore[call-overload]

    def _stats(self, language: str) -> tuple[int, float]:
        return self._cached("stats", language, "", lambda: self.backend.stats(language))  # type: ignore[no-any-return]

    def _counts(self, language: str) -> dict[str, int]:
        return self._cached("counts", language, "", lambda: self.backend.term_counts(language))  # type: ignore[no-any-return]

    def _vocab(self, language: str) -> list[str]:
        return self._cached(  # type: ignore[no-any-return]
            "vocab", language, "", lambda: sorted(t for t in self._counts(language) if not t.isdigit())
        )

    def _readings(self, language: str) -> _Readings:
        return self._cached("readings", language, "", lambda: self._build_readings(language))  # type: ignore[no-any-return]

    def _build_readings(self, language: str) -> _Readings:
        """reading → the indexed title/keyword term with that reading that most documents
        have (homophones: the common one), plus the synonym table's words."""
        best: dict[str, tuple[int, str]] = {}
        terms = list(self._counts(language).items())
        terms += [(p[0], 0) for p in self.synonyms.expansions if len(p) == 1]
        for term, n in terms:
            if term.isdigit() or not is_japanese(term):
                continue
            r = reading(term)
            if len(r) < 2:
                continue
            if r not in best or best[r][0] < n:
                best[r] = (n, term)
        by_reading = {r: t for r, (_n, t) in best.items()}
        for r, t in self.synonyms.surface_readings.items():
            by_reading.setdefault(r, t)
        return _Readings(by_reading, [r for r in by_reading if len(r) >= READING_MIN_LEN])

    # ---- query understanding ----

    def groups_for(self, query: str, language: str, *, prefix_last: bool = False) -> list[Group]:
        tokens = analyze(query)
        groups = self.synonyms.groups(tokens)
        self._dfs(language, groups)  # one round trip for every df this query needs
        if any(self._df(language, g) == 0 for g in groups):
            for alternative in self._kana_rewrites(query, language):
                alt_tokens = analyze(alternative)
                alt = self.synonyms.groups(alt_tokens)
                self._dfs(language, alt)
                if self._known(language, alt) > self._known(language, groups):
                    tokens, groups = alt_tokens, alt
            if any(self._df(language, g) == 0 for g in groups):
                tokens = self._join_by_reading(tokens, language)
                groups = self.synonyms.groups(tokens)
                self._dfs(language, groups)
        sentence = len(groups) > FUZZY_MAX_GROUPS
        groups = [self._tolerate_typo(language, g, sentence=sentence) for g in groups]
        if len(groups) > 1:
            groups = [_weigh_verbs(g) for g in groups]
        if prefix_last and groups:
            last = groups[-1]
            if len(last.alternatives) == 1 and self._df(language, last) == 0:
                groups[-1] = Group(alternatives=last.alternatives, prefix=True, typed=last.typed)
        return groups

    def _title_words(self, title_tokens: str) -> int:
        n = self._title_lengths.get(title_tokens)
        if n is None:
            if len(self._title_lengths) > 50_000:
                self._title_lengths = {}
            n = self._title_lengths[title_tokens] = _word_count(set(title_tokens.split()))
        return n

    def _known(self, language: str, groups: list[Group]) -> tuple[int, int]:
        """(-unknown, known) groups: fewer unknown words first, then more known ones."""
        known = sum(self._df(language, g) > 0 for g in groups)
        return known - len(groups), known

    def _kana_rewrites(self, query: str, language: str) -> list[str]:
        """The query with its hiragana runs spelt as indexed words (by reading), and the
        all-hiragana query in katakana (ろぐいん → ログイン)."""
        out = []
        text = normalize(query)
        rewritten = text
        for run in hiragana_runs(text):
            words = self._cached("segment", language, run, lambda run=run: self._segment_run(run, language))
            if words:
                rewritten = rewritten.replace(run, " " + str(words) + " ", 1)
        if rewritten != text:
            out.append(rewritten)
        if is_hiragana(query):
            out.append(hiragana_to_katakana(text))
        return out

    def _segment_run(self, run: str, language: str) -> str | None:
        """にだんかいにんしょう → "2段階 認証": the run's reading covered entirely by readings of
        indexed words (fewest pieces), optionally followed by an inflection kept as typed."""
        by_reading = self._readings(language).by_reading
        if not by_reading:
            return None
        for ending in ("", *_KANA_ENDINGS):
            if ending and not run.endswith(ending):
                continue
            stem = run[: len(run) - len(ending)] if ending else run
            if len(stem) < 2:
                continue
            words = _segment(romaji(stem), by_reading)
            if words:
                return " ".join(words) + (" " + ending if ending else "")
        return None

    def _join_by_reading(self, tokens: list[str], language: str) -> list[str]:
        """Adjacent tokens, one of them unknown, whose readings together are an indexed word
        (二段会認証 → 2 段 会 認証 → nidankai → 2段階)."""
        counts = self._counts(language)
        by_reading = self._readings(language).by_reading
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for n in (3, 2):
                window = tokens[i : i + n]
                if (
                    len(window) < n
                    or all(t in counts for t in window)
                    or not all(is_japanese(t) or t.isdigit() for t in window)
                ):
                    continue
                joined = by_reading.get("".join(reading(t) for t in window))
                if joined:
                    out.append(joined)
                    i += n
                    break
            else:
                token = tokens[i]
                words = None
                if token not in counts and is_kana(token) and len(token) >= 4:
                    words = _segment(romaji(token), by_reading)
                out.extend(words if words and len(words) > 1 else [token])
                i += 1
        return out

    def _tolerate_typo(self, language: str, g: Group, *, sentence: bool = False) -> Group:
        if len(g.alternatives) != 1 or len(g.alternatives[0]) != 1:
            return g
        term = g.alternatives[0][0]
        if term.isdigit() or self._df(language, g) > 0:
            return g
        best = None
        if is_japanese(term):
            best = self._cached("reading", language, term, lambda: self._closest_reading(language, term))
        if best is None and len(term) >= FUZZY_MIN_LEN:
            best = self._cached("typo", language, term, lambda: self._closest(language, term))
        if best is None:
            return g
        # vocabulary entries are index tokens already; the correction may itself be a synonym
        corrected = self.synonyms.groups([str(best)])[0]
        return Group(
            corrected.alternatives, weight=GUESS_WEIGHT_SENTENCE if sentence else GUESS_WEIGHT, typed=(str(best),)
        )

    def _closest_reading(self, language: str, term: str) -> str | None:
        r = reading(term)
        if len(r) < 2:
            return None
        readings = self._readings(language)
        exact = readings.by_reading.get(r)
        if exact and exact != term:
            return exact
        if len(r) < READING_MIN_LEN or not readings.fuzzy:
            return None
        best = process.extractOne(r, readings.fuzzy, scorer=fuzz.ratio, score_cutoff=READING_CUTOFF)
        return readings.by_reading[best[0]] if best else None

    def _closest(self, language: str, term: str) -> str | None:
        vocab = self._vocab(language)
        if not vocab:
            return None
        best = process.extractOne(term, vocab, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        return str(best[0]) if best else None

    # ---- ranking ----

    def search(self, query: str, language: str, *, limit: int = 10, prefix_last: bool = False) -> list[Scored]:
        groups = self.groups_for(query, language, prefix_last=prefix_last)
        if not groups:
            return []
        return self.rank(groups, language, limit=limit)

    def rank(self, groups: list[Group], language: str, *, limit: int) -> list[Scored]:
        n_docs, avgdl = self._stats(language)
        if n_docs == 0:
            return []
        idf = {}
        for g, df in zip(groups, self._dfs(language, groups), strict=True):
            idf[g.key] = math.log(1 + (n_docs - df + 0.5) / (df + 0.5)) if df else 0.0
        live = [g for g in groups if idf[g.key] > 0]
        if not live:
            return []
        dfs = dict(zip((g.key for g in groups), self._dfs(language, groups), strict=True))
        cap = max(RETRIEVAL_MAX_DF_SHARE * n_docs, RETRIEVAL_MIN_DF_CAP)
        selective = [g for g in live if dfs[g.key] <= cap]
        retrieval = selective or live
        matches = [dfs[g.key] for g in retrieval]
        total_idf = sum(idf[g.key] * g.weight for g in live)
        plan = [_Plan.of(g, idf[g.key] * g.weight) for g in live]
        rx = _matcher(plan)
        scored = []
        for cand in self.backend.candidates(language, retrieval, CANDIDATES, matches=matches, title_groups=live):
            title_c, keywords_c, body_c = (
                _found(rx, cand.title_tokens),
                _found(rx, cand.keyword_tokens),
                _found(rx, cand.body_tokens),
            )
            if not (title_c or keywords_c or body_c):
                continue
            dl = cand.body_tokens.count(" ") + 1
            raw = 0.0
            matched_idf = 0.0
            title_idf = 0.0
            for p in plan:
                w = p.weight
                in_title = p.strength(title_c)
                in_keywords = p.strength(keywords_c) if in_title < 1 else 0.0
                tf = p.weighted_count(body_c)
                if not (in_title or in_keywords or tf):
                    continue
                matched_idf += w
                if in_title:
                    title_idf += w * in_title
                part = max(TITLE_BOOST * in_title, KEYWORD_BOOST * in_keywords)
                if tf:
                    part += tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / max(avgdl, 1.0)))
                raw += w * part
            if not raw:
                continue
            coverage = matched_idf / total_idf
            title_coverage = title_idf / total_idf
            final = raw * (COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * coverage**2)
            final *= 1 + TITLE_COVERAGE_BONUS * title_coverage**2
            if title_c:
                matched = _word_count({w for alt in title_c for w in alt.split()})
                precision = min(1.0, matched / self._title_words(cand.title_tokens))
                final *= 1 + TITLE_PRECISION_BONUS * precision
            scored.append(Scored(cand.doc_id, round(final, 4)))
        scored.sort(key=lambda s: (-s.score, s.doc_id))
        return scored[:limit]
