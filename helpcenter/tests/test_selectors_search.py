"""Search behaviour customers rely on (real database: FTS5 on SQLite, tsvector on PostgreSQL)."""

from typing import Any

import pytest

from helpcenter import selectors, services
from helpcenter.models import Article, SearchDocument

from .conftest import slugs

pytestmark = pytest.mark.django_db


def search(q: str, lang: str = "ja", limit: int = 5) -> list[str]:
    return slugs(selectors.search_articles(query=q, language=lang, limit=limit))


def test_cannot_sign_in_is_found_however_it_is_phrased(help_content: None):
    # given the shipped articles / when customers type it two common ways / then the article is first
    assert search("ログインできない")[0] == "cannot-sign-in"
    assert search("ログインができません")[0] == "cannot-sign-in"


def test_two_factor_spellings_and_2fa_give_the_same_top_result(help_content: None):
    tops = {q: search(q)[0] for q in ["2段階認証", "二段階認証", "２段階認証", "2FA"]}
    assert len(set(tops.values())) == 1, tops
    assert tops["2FA"].startswith("two-factor-")


def test_result_shape_for_the_support_engineer(help_content: None):
    results = selectors.search_articles(query="パスワードを忘れた", language="ja", limit=3)
    assert 1 <= len(results) <= 3
    first = results[0]
    assert set(first) == {"slug", "title", "snippet", "category", "score"}
    assert first["slug"] == "password-reset"
    assert first["category"] == "sign-in-security"
    assert isinstance(first["score"], float) and first["score"] > 0
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


def test_typos_hiragana_and_half_typed_words(help_content: None):
    assert search("ログイソできない")[0] == "cannot-sign-in"  # ソ for ン
    assert search("pasword reset", "en")[0] == "password-reset"
    assert "cannot-sign-in" in search("ろぐいんできない")[:3]
    # suggestions while typing: the last word may be incomplete
    assert "captcha" in search("captc", "en")[:3]


def test_english_and_japanese_indexes_are_separate_with_fallback(help_content: None):
    en = selectors.search_articles(query="forgot password", language="en")
    assert en[0]["slug"] == "password-reset" and en[0]["title"].startswith("I forgot")
    # a Japanese query from an English-language visitor still finds the article, shown in English
    fallback = selectors.search_articles(query="機種変更", language="en")
    assert fallback and fallback[0]["slug"] == "phone-change" and fallback[0]["title"] == "When you change phones"


def test_nonsense_and_empty_queries_find_nothing(help_content: None):
    assert search("") == []
    assert search("   ") == []
    assert search("量子テレポーテーション") == []
    assert search('"*) OR NEAR(') == []  # FTS syntax is never passed through


def test_an_edit_is_searchable_at_once_in_the_same_transaction(help_content: None, editor: Any):
    # given an article / when staff add a new word to its title
    article = Article.objects.get(slug="api-usage")
    t = article.translations.get(language="ja")
    assert "api-usage" not in search("ウェブフック")
    services.article_translation_save(
        actor=editor,
        article=article,
        language="ja",
        title=t.title + "（ウェブフック）",
        summary=t.summary,
        keywords=t.keywords,
        body_markdown=t.body_markdown,
    )
    # then the very next search (same transaction, no commit yet) finds it
    assert search("ウェブフック")[0] == "api-usage"


def test_unpublished_articles_leave_the_index(help_content: None, editor: Any):
    article = Article.objects.get(slug="leverage-margin")
    services.article_update(
        actor=editor,
        article=article,
        category=article.category,
        position=article.position,
        is_published=False,
        related=[],
    )
    assert not SearchDocument.objects.filter(article=article).exists()
    assert "leverage-margin" not in search("ロスカット")


def test_staff_synonyms_apply_without_reindexing(help_content: None, editor: Any):
    assert "leverage-margin" not in search("ハイレバ")
    services.synonym_rules_replace(actor=editor, text="ハイレバ => レバレッジ")
    assert search("ハイレバ")[0] == "leverage-margin"


def test_search_misses_are_recorded_for_staff(help_content: None, staff_factory: Any):
    from accounts.roles import SUPPORT_AGENT

    services.search_miss_record(query="  量子 テレポート ", language="ja")
    services.search_miss_record(query="量子 テレポート", language="ja")
    agent = staff_factory(roles=[SUPPORT_AGENT])
    misses = selectors.search_misses_for_staff(user=agent)
    assert [(m.query, m.count) for m in misses] == [("量子 テレポート", 2)]


def test_a_rolled_back_edit_leaves_the_index_as_it_was(help_content: None, editor: Any):
    from django.db import transaction

    article = Article.objects.get(slug="api-usage")
    t = article.translations.get(language="ja")
    # given an edit whose transaction fails after the save
    with pytest.raises(RuntimeError), transaction.atomic():
        services.article_translation_save(
            actor=editor,
            article=article,
            language="ja",
            title=t.title + "（ウェブフック）",
            summary=t.summary,
            keywords=t.keywords,
            body_markdown=t.body_markdown,
        )
        raise RuntimeError("boom")
    # then neither the article nor its index entry changed
    assert "api-usage" not in search("ウェブフック")


def test_help_reindex_rebuilds_the_index(help_content: None):
    from django.core.management import call_command

    SearchDocument.objects.all().delete()
    assert search("ログインできない") == []
    call_command("help_reindex", stdout=None)
    assert search("ログインできない")[0] == "cannot-sign-in"
