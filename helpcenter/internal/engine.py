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

from .analysis import analyze, hiragana_to_katakana, is_hiragana, normalize
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
        self, language: str, groups: Sequence[Group], limit: int, *, matches: Sequence[int] = ()
    ) -> list[Candidate]: ...

    def doc_frequencies(self, language: str, groups: Sequence[Group]) -> list[int]: ...

    def stats(self, language: str) -> tuple[int, float]: ...

    def vocabulary(self, language: str) -> list[str]: ...


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

    @classmethod
    def of(cls, g: Group, weight: float) -> _Plan:
        alts = tuple(" ".join(alt) for alt in g.alternatives)
        return cls(weight, () if g.prefix else alts, alts if g.prefix else ())

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


def _matcher(plans: list[_Plan]) -> re.Pattern[str]:
    """One regex finding every alternative of every group as whole tokens (C speed)."""
    alts = sorted({a for p in plans for a in p.alternatives}, key=len, reverse=True)
    parts = [re.escape(a[:-1]) + r"\S*" if a.endswith("*") else re.escape(a) for a in alts]
    return re.compile(r"(?<![^ ])(?:" + "|".join(parts) + r")(?![^ ])")


def _found(rx: re.Pattern[str], text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for m in rx.findall(text):
        out[m] = out.get(m, 0) + 1
    return out


class Engine:
    def __init__(self, backend: Backend, synonyms: SynonymTable) -> None:
        self.backend = backend
        self.synonyms = synonyms
        self._cache: dict[tuple[str, str, str], object] = {}
        # free-form per-generation memo for callers (e.g. result cards)
        self.memo: dict[tuple[str, str], dict[int, Any]] = {}
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
        best = self._cached("typo", language, term, lambda: self._closest(language, term))
        if best is None:
            return g
        # vocabulary entries are index tokens already; the correction may itself be a synonym
        return self.synonyms.groups([str(best)])[0]

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
        total_idf = sum(idf[g.key] for g in live)
        plan = [_Plan.of(g, idf[g.key]) for g in live]
        rx = _matcher(plan)
        scored = []
        for cand in self.backend.candidates(language, retrieval, CANDIDATES, matches=matches):
            title_c, keywords_c, body_c = (
                _found(rx, cand.title_tokens),
                _found(rx, cand.keyword_tokens),
                _found(rx, cand.body_tokens),
            )
            dl = cand.body_tokens.count(" ") + 1
            raw = 0.0
            matched_idf = 0.0
            title_idf = 0.0
            for p in plan:
                w = p.weight
                in_title = p.count(title_c) > 0
                in_keywords = not in_title and p.count(keywords_c) > 0
                tf = p.count(body_c)
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
