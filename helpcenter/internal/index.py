"""Keeping ``SearchDocument`` in step with article edits (same transaction)."""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db import connection, transaction

from ..models import Article, ArticleTranslation, SearchDocument
from .analysis import analyze
from .text import html_to_text

GENERATION_KEY = "helpcenter:search-generation"


def index_generation() -> str:
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = uuid.uuid4().hex
        cache.add(GENERATION_KEY, value, timeout=None)
        value = cache.get(GENERATION_KEY, value)
    return str(value)


def bump_generation() -> None:
    """Invalidate cached document frequencies, vocabulary and synonyms in every process:
    at once (for reads later in this transaction) and again after commit (for readers
    that cached the old state in between)."""

    def bump() -> None:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)

    bump()
    transaction.on_commit(bump)


def document_fields(translation: ArticleTranslation) -> dict[str, object]:
    title = analyze(translation.title)
    keywords = analyze(translation.keywords.replace(",", "\n").replace("、", "\n"))
    body = analyze(translation.summary + "\n" + html_to_text(translation.body_html))
    return {
        "article_id": translation.article_id,
        "language": translation.language,
        "title_tokens": " ".join(title),
        "keyword_tokens": " ".join(keywords),
        "body_tokens": " ".join(body),
        "body_length": len(body),
    }


def index_translation(translation: ArticleTranslation, *, bump: bool = True) -> None:
    if translation.article.is_published:
        SearchDocument.objects.update_or_create(translation=translation, defaults=document_fields(translation))
    else:
        SearchDocument.objects.filter(translation=translation).delete()
    if bump:
        bump_generation()


def index_article(article: Article) -> None:
    for translation in article.translations.all():
        index_translation(translation, bump=False)
    bump_generation()


def optimize_index() -> None:
    """After bulk loads: merge FTS5 segments (SQLite) / refresh planner statistics (PostgreSQL)."""
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("INSERT INTO helpcenter_search_fts(helpcenter_search_fts) VALUES ('optimize')")
        elif connection.vendor == "postgresql" and connection.get_autocommit():
            cur.execute("VACUUM ANALYZE helpcenter_searchdocument")


def reindex_all() -> int:
    count = 0
    with transaction.atomic():
        SearchDocument.objects.all().delete()
        for translation in ArticleTranslation.objects.select_related("article").filter(article__is_published=True):
            index_translation(translation, bump=False)
            count += 1
        bump_generation()
    return count
