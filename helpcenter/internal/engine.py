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
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import fuzz, process

from .analysis import analyze, hiragana_to_katakana, is_hiragana, normalize
from .synonyms import Group, SynonymTable

TITLE_BOOST = 2.5
KEYWORD_BOOST = 1.5
K1 = 1.2
B = 0.75
COVERAGE_FLOOR = 0.25
TITLE_COVERAGE_BONUS = 0.5
CANDIDATES = 200
FUZZY_MAX_GROUPS = 4
FUZZY_MIN_LEN = 3
FUZZY_CUTOFF = 75.0


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
    def candidates(self, language: str, groups: Sequence[Group], limit: int) -> list[Candidate]: ...

    def doc_frequencies(self, language: str, groups: Sequence[Group]) -> list[int]: ...

    def stats(self, language: str) -> tuple[int, float]: ...

    def vocabulary(self, language: str) -> list[str]: ...


# ---- query expressions for the two backends ------------------------------------------


def fts5_expression(groups: Sequence[Group]) -> str:
    parts = []
    for g in groups:
        for alt in g.alternatives:
            phrase = '"' + " ".join(alt) + '"'
            parts.append(phrase + ("*" if g.prefix else ""))
    return " OR ".join(parts)


def tsquery_expression(groups: Sequence[Group]) -> str:
    parts = []
    for g in groups:
        for alt in g.alternatives:
            terms = [_ts_quote(t) for t in alt]
            if g.prefix:
                terms[-1] += ":*"
            parts.append("(" + " <-> ".join(terms) + ")" if len(terms) > 1 else terms[0])
    return " | ".join(parts)


def _ts_quote(term: str) -> str:
    return "'" + term.replace("'", "''").replace("\\", "") + "'"


# ---- matching in Python (for the final score) -----------------------------------------


def _patterns(g: Group) -> tuple[str, ...]:
    if g.prefix:
        return tuple(" " + " ".join(alt) for alt in g.alternatives)
    return tuple(" " + " ".join(alt) + " " for alt in g.alternatives)


def _count(patterns: tuple[str, ...], padded: str) -> int:
    """Occurrences of any alternative in ``padded`` (" tok tok tok "): C-speed str.count."""
    return sum(padded.count(p) for p in patterns)


class Engine:
    def __init__(self, backend: Backend, synonyms: SynonymTable) -> None:
        self.backend = backend
        self.synonyms = synonyms
        self._cache: dict[tuple[str, str, str], object] = {}
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

    def _vocab(self, language: str) -> list[str]:
        return self._cached("vocab", language, "", lambda: self.backend.vocabulary(language))  # type: ignore[no-any-return]

    # ---- query understanding ----

    def groups_for(self, query: str, language: str, *, prefix_last: bool = False) -> list[Group]:
        groups = self.synonyms.groups(analyze(query))
        self._dfs(language, groups)  # one round trip for every df this query needs
        if is_hiragana(query) and any(self._df(language, g) == 0 for g in groups):
            kata = self.synonyms.groups(analyze(hiragana_to_katakana(normalize(query))))
            if sum(self._df(language, g) > 0 for g in kata) > sum(self._df(language, g) > 0 for g in groups):
                groups = kata
        if len(groups) <= FUZZY_MAX_GROUPS:
            groups = [self._tolerate_typo(language, g) for g in groups]
        if prefix_last and groups:
            last = groups[-1]
            if len(last.alternatives) == 1 and self._df(language, last) == 0:
                groups[-1] = Group(alternatives=last.alternatives, prefix=True)
        return groups

    def _tolerate_typo(self, language: str, g: Group) -> Group:
        if len(g.alternatives) != 1 or len(g.alternatives[0]) != 1:
            return g
        term = g.alternatives[0][0]
        if len(term) < FUZZY_MIN_LEN or term.isdigit() or self._df(language, g) > 0:
            return g
        vocab = self._vocab(language)
        if not vocab:
            return g
        best = process.extractOne(term, vocab, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if best is None:
            return g
        # vocabulary entries are index tokens already; the correction may itself be a synonym
        return self.synonyms.groups([str(best[0])])[0]

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
        total_idf = sum(idf[g.key] for g in live)
        plan = [(idf[g.key], _patterns(g)) for g in live]
        scored = []
        for cand in self.backend.candidates(language, live, CANDIDATES):
            title = f" {cand.title_tokens} "
            keywords = f" {cand.keyword_tokens} "
            body = f" {cand.body_tokens} "
            dl = cand.body_tokens.count(" ") + 1
            raw = 0.0
            matched_idf = 0.0
            title_idf = 0.0
            for w, patterns in plan:
                in_title = _count(patterns, title) > 0
                in_keywords = not in_title and _count(patterns, keywords) > 0
                tf = _count(patterns, body)
                if not (in_title or in_keywords or tf):
                    continue
                matched_idf += w
                if in_title:
                    title_idf += w
                part = TITLE_BOOST if in_title else KEYWORD_BOOST if in_keywords else 0.0
                if tf:
                    part += tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / max(avgdl, 1.0)))
                raw += w * part
            if not raw:
                continue
            coverage = matched_idf / total_idf
            title_coverage = title_idf / total_idf
            final = raw * (COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * coverage**2)
            final *= 1 + TITLE_COVERAGE_BONUS * title_coverage**2
            scored.append(Scored(cand.doc_id, round(final, 4)))
        scored.sort(key=lambda s: (-s.score, s.doc_id))
        return scored[:limit]
