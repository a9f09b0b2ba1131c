"""Staff editing: only editors, sanitised HTML, audited, preview does not save."""

from typing import Any

import pytest

from core.errors import ApplicationError
from core.models import AuditEvent
from helpcenter import services
from helpcenter.internal.content import load_articles
from helpcenter.models import Article, ArticleTranslation, Category

pytestmark = pytest.mark.django_db


def test_customers_and_support_agents_cannot_edit(help_content: None, user_factory: Any, staff_factory: Any):
    from accounts.roles import SUPPORT_AGENT

    article = Article.objects.get(slug="captcha")
    for who in (user_factory(), staff_factory(roles=[SUPPORT_AGENT])):
        with pytest.raises(ApplicationError) as exc:
            services.article_translation_save(
                actor=who, article=article, language="ja", title="x", summary="", keywords="", body_markdown="x"
            )
        assert exc.value.status == 403
    assert ArticleTranslation.objects.get(article=article, language="ja").title != "x"


def test_saving_sanitises_updates_the_date_and_audits(help_content: None, editor: Any):
    article = Article.objects.get(slug="captcha")
    before = article.updated_at
    t = services.article_translation_save(
        actor=editor,
        article=article,
        language="en",
        title="Captcha help",
        summary="s",
        keywords="k",
        body_markdown="Hello <script>steal()</script> [x](javascript:alert(1)) **bold**",
    )
    assert "<script" not in t.body_html and "javascript:" not in t.body_html and "<strong>bold</strong>" in t.body_html
    assert Article.objects.get(pk=article.pk).updated_at > before
    event = AuditEvent.objects.filter(event="help.article_translation_saved").get()
    assert event.actor_id == editor.pk and event.data == {"slug": "captcha", "language": "en"}


def test_preview_renders_without_saving(help_content: None):
    html = services.article_preview(body_markdown="## Title\n<img src=x onerror=alert(1)>")
    assert "<h2>Title</h2>" in html and "onerror" not in html
    assert not ArticleTranslation.objects.filter(title="Title").exists()


def test_slugs_are_unique_and_new_articles_start_unindexed(help_content: None, editor: Any):
    category = Category.objects.get(slug="other")
    with pytest.raises(ApplicationError):
        services.article_create(actor=editor, slug="captcha", category=category)
    created = services.article_create(actor=editor, slug="fees", category=category)
    assert created.translations.count() == 0


def test_content_import_is_idempotent_and_keeps_staff_edits(help_content: None, editor: Any):
    article = Article.objects.get(slug="captcha")
    t = article.translations.get(language="ja")
    services.article_translation_save(
        actor=editor,
        article=article,
        language="ja",
        title="編集済み",
        summary=t.summary,
        keywords=t.keywords,
        body_markdown=t.body_markdown,
    )
    assert services.content_import() == 0
    shipped = {a.slug for a in load_articles()}
    assert Article.objects.count() == len(shipped) and ArticleTranslation.objects.count() == 2 * len(shipped)
    assert article.translations.get(language="ja").title == "編集済み"
