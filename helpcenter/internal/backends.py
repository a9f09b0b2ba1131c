"""The two index backends. Both read the same token streams (``SearchDocument``); the
database only matches and pre-ranks, the final score is computed in ``engine``."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from .engine import Candidate, fts5_expression, tsquery_expression
from .synonyms import Group

FTS_TABLE = "helpcenter_search_fts"
DOC_TABLE = "helpcenter_searchdocument"


class _Common:
    def stats(self, language: str) -> tuple[int, float]:
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*), avg(body_length) FROM {DOC_TABLE} WHERE language = %s", [language])  # noqa: S608
            n, avg = cur.fetchone()
        return int(n or 0), float(avg or 1.0)

    def vocabulary(self, language: str) -> list[str]:
        vocab: set[str] = set()
        with connection.cursor() as cur:
            cur.execute(f"SELECT title_tokens, keyword_tokens FROM {DOC_TABLE} WHERE language = %s", [language])  # noqa: S608
            for title, keywords in cur.fetchall():
                vocab.update(title.split())
                vocab.update(keywords.split())
        return sorted(t for t in vocab if not t.isdigit())


class SqliteFtsBackend(_Common):
    """SQLite FTS5, ``unicode61`` over our space-separated tokens (external content + triggers)."""

    def candidates(self, language: str, groups: Sequence[Group], limit: int) -> list[Candidate]:
        sql = (
            f"SELECT d.article_id, d.title_tokens, d.keyword_tokens, d.body_tokens FROM {FTS_TABLE} f "  # noqa: S608
            f"JOIN {DOC_TABLE} d ON d.id = f.rowid WHERE {FTS_TABLE} MATCH %s AND d.language = %s "
            f"ORDER BY bm25({FTS_TABLE}, 2.5, 1.5, 1.0) LIMIT %s"
        )
        with connection.cursor() as cur:
            cur.execute(sql, [fts5_expression(groups), language, limit])
            return [Candidate(*row) for row in cur.fetchall()]

    def doc_frequencies(self, language: str, groups: Sequence[Group]) -> list[int]:
        """Document frequency of each group, in one round trip."""
        one = (
            f"SELECT count(*) FROM {FTS_TABLE} f JOIN {DOC_TABLE} d ON d.id = f.rowid "  # noqa: S608
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

    def candidates(self, language: str, groups: Sequence[Group], limit: int) -> list[Candidate]:
        sql = (
            f"SELECT d.article_id, d.title_tokens, d.keyword_tokens, d.body_tokens FROM {DOC_TABLE} d, "  # noqa: S608
            "to_tsquery('simple', %s) q WHERE d.search_vector @@ q AND d.language = %s "
            "ORDER BY ts_rank(d.search_vector, q) DESC LIMIT %s"
        )
        with connection.cursor() as cur:
            cur.execute(sql, [tsquery_expression(groups), language, limit])
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
