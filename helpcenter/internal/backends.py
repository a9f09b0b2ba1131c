"""The two index backends. Both read the same token streams (``SearchDocument``); the
database only matches and pre-ranks, the final score is computed in ``engine``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from django.db import connection

from .engine import Candidate, fts5_expression, tsquery_expression
from .synonyms import Group

FTS_TABLE = "helpcenter_search_fts"
DOC_TABLE = "helpcenter_searchdocument"
MIN_BEFORE_BROAD = 10
MAX_RANKED = 1000


class _Common:
    def candidates(
        self,
        language: str,
        groups: Sequence[Group],
        limit: int,
        *,
        matches: Sequence[int] = (),
        title_groups: Sequence[Group] = (),
    ) -> list[Candidate]:
        """Best ``limit`` documents by the database's own rank, in stages that keep the
        ranked set small (ranking must visit every match): title/keyword matches, then
        documents containing every group, then any match. ``matches`` are the groups'
        document frequencies: a later stage that would rank more than ``MAX_RANKED``
        documents runs only when the earlier ones found fewer than ``MIN_BEFORE_BROAD``.
        ``title_groups`` (default ``groups``): the title/keyword stage may also use words too
        common for the body stages — in a title they still say what the article is about."""
        all_bound = min(matches) if matches else 0
        any_bound = sum(matches) if matches else 0
        stages: list[tuple[str, int]] = [(self._title_expression(title_groups or groups), 0)]
        if len(groups) > 1:
            stages.append((self._all_expression(groups), all_bound))
        stages.append((self._any_expression(groups), any_bound))
        out: list[Candidate] = []
        seen: set[int] = set()
        for expression, bound in stages:
            if bound > MAX_RANKED and len(out) >= MIN_BEFORE_BROAD:
                continue
            for c in self._ranked(expression, language, limit):
                if c.doc_id not in seen:
                    seen.add(c.doc_id)
                    out.append(c)
            if len(out) >= limit:
                break
        return out[:limit]

    def _all_expression(self, groups: Sequence[Group]) -> str:
        raise NotImplementedError

    def _title_expression(self, groups: Sequence[Group]) -> str:
        raise NotImplementedError

    def _any_expression(self, groups: Sequence[Group]) -> str:
        raise NotImplementedError

    def _ranked(self, expression: str, language: str, limit: int) -> list[Candidate]:
        raise NotImplementedError

    def stats(self, language: str) -> tuple[int, float]:
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*), avg(body_length) FROM {DOC_TABLE} WHERE language = %s", [language])  # noqa: S608
            n, avg = cur.fetchone()
        return int(n or 0), float(avg or 1.0)

    def term_counts(self, language: str) -> dict[str, int]:
        """Title and keyword terms with the number of documents that have them there."""
        counts: Counter[str] = Counter()
        with connection.cursor() as cur:
            cur.execute(f"SELECT title_tokens, keyword_tokens FROM {DOC_TABLE} WHERE language = %s", [language])  # noqa: S608
            for title, keywords in cur.fetchall():
                counts.update(set(title.split()) | set(keywords.split()))
        return dict(counts)

    def vocabulary(self, language: str) -> list[str]:
        return sorted(t for t in self.term_counts(language) if not t.isdigit())


class SqliteFtsBackend(_Common):
    """SQLite FTS5, ``unicode61`` over our space-separated tokens (external content + triggers).

    ``CROSS JOIN`` makes SQLite drive the query from the full-text index; left to itself
    the planner may scan every document of the language and test MATCH row by row."""

    def _all_expression(self, groups: Sequence[Group]) -> str:
        return fts5_expression(groups, all_groups=True)

    def _title_expression(self, groups: Sequence[Group]) -> str:
        return f"{{title_tokens keyword_tokens}} : ({fts5_expression(groups)})"

    def _any_expression(self, groups: Sequence[Group]) -> str:
        return fts5_expression(groups)

    def _ranked(self, match: str, language: str, limit: int) -> list[Candidate]:
        sql = (
            f"SELECT d.article_id, d.title_tokens, d.keyword_tokens, d.body_tokens FROM "  # noqa: S608
            f"(SELECT rowid, bm25({FTS_TABLE}, 2.5, 1.5, 1.0) AS score FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
            f"ORDER BY score LIMIT %s) f CROSS JOIN {DOC_TABLE} d ON d.id = f.rowid WHERE d.language = %s "
            "ORDER BY f.score LIMIT %s"
        )
        with connection.cursor() as cur:
            cur.execute(sql, [match, limit * 3, language, limit])
            return [Candidate(*row) for row in cur.fetchall()]

    def doc_frequencies(self, language: str, groups: Sequence[Group]) -> list[int]:
        """Document frequency of each group, in one round trip."""
        one = (
            f"SELECT count(*) FROM {FTS_TABLE} f CROSS JOIN {DOC_TABLE} d ON d.id = f.rowid "  # noqa: S608
            f"WHERE {FTS_TABLE} MATCH %s AND d.language = %s"
        )
        sql = "SELECT " + ", ".join(f"({one})" for _ in groups)
        params: list[str] = []
        for g in groups:
            params += [fts5_expression([g]), language]
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return [int(v) for v in cur.fetchone()]


class PostgresBackend(_Common):
    """PostgreSQL: generated ``tsvector`` (config ``simple``: A title, B keywords, D body) + GIN."""

    def _all_expression(self, groups: Sequence[Group]) -> str:
        return tsquery_expression(groups, all_groups=True)

    # The title stage is marked with a prefix and runs on the title-only vector.
    def _title_expression(self, groups: Sequence[Group]) -> str:
        return "title:" + tsquery_expression(groups)

    def _any_expression(self, groups: Sequence[Group]) -> str:
        return tsquery_expression(groups)

    def _ranked(self, expression: str, language: str, limit: int) -> list[Candidate]:
        column = "search_vector"
        if expression.startswith("title:"):
            column, expression = "title_vector", expression.removeprefix("title:")
        sql = (
            f"SELECT d.article_id, d.title_tokens, d.keyword_tokens, d.body_tokens FROM {DOC_TABLE} d, "  # noqa: S608
            f"to_tsquery('simple', %s) q WHERE d.{column} @@ q AND d.language = %s "
            f"ORDER BY ts_rank(d.{column}, q) DESC LIMIT %s"
        )
        with connection.cursor() as cur:
            cur.execute(sql, [expression, language, limit])
            return [Candidate(*row) for row in cur.fetchall()]

    def doc_frequencies(self, language: str, groups: Sequence[Group]) -> list[int]:
        """Document frequency of each group, in one round trip."""
        one = (
            f"SELECT count(*) FROM {DOC_TABLE} d WHERE d.search_vector @@ to_tsquery('simple', %s) "  # noqa: S608
            "AND d.language = %s"
        )
        sql = "SELECT " + ", ".join(f"({one})" for _ in groups)
        params: list[str] = []
        for g in groups:
            params += [tsquery_expression([g]), language]
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return [int(v) for v in cur.fetchone()]


def backend_for_connection() -> SqliteFtsBackend | PostgresBackend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SqliteFtsBackend()
    raise RuntimeError(f"helpcenter search supports SQLite and PostgreSQL, not {connection.vendor}")
