"""Writes of the help centre. Keyword-only, typed; permission and rate checks live here."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import ratelimit
from core.audit import audit_log
from core.errors import ApplicationError, validation_failed

from . import conf, selectors
from .cachekeys import ANNOUNCEMENTS_CACHE_KEY
from .errors import HelpCentreErrorCode
from .internal import content as content_files
from .internal.index import bump_generation, index_article, index_translation
from .internal.synonyms import SynonymTable
from .internal.text import render_markdown
from .models import (
    Announcement,
    Article,
    ArticleFeedback,
    ArticleTranslation,
    ArticleVote,
    Category,
    SearchMiss,
    SynonymRule,
)
from .permissions import require_editor

# ---- articles ---------------------------------------------------------------------------


def article_create(
    *,
    actor: User | AnonymousUser,
    slug: str,
    category: Category,
    position: int = 100,
    request: HttpRequest | None = None,
) -> Article:
    require_editor(actor)
    if Article.objects.filter(slug=slug).exists():
        raise validation_failed({"slug": [_("An article with this address already exists.")]})
    article = Article.objects.create(slug=slug, category=category, position=position)
    audit_log(
        user=actor,
        actor=actor,
        event="help.article_created",
        request=request,
        data={"slug": slug},
        visible_to_customer=False,
    )
    return article


@transaction.atomic
def article_update(
    *,
    actor: User | AnonymousUser,
    article: Article,
    category: Category,
    position: int,
    is_published: bool,
    related: list[Article],
    request: HttpRequest | None = None,
) -> Article:
    """Metadata only; the slug never changes (links in emails and apps depend on it)."""
    require_editor(actor)
    article.category = category
    article.position = position
    was_published = article.is_published
    article.is_published = is_published
    article.updated_at = timezone.now()
    article.save(update_fields=["category", "position", "is_published", "updated_at"])
    article.related.set([r for r in related if r.pk != article.pk])
    if was_published != is_published:
        index_article(article)
    audit_log(
        user=actor,
        actor=actor,
        event="help.article_updated",
        request=request,
        data={"slug": article.slug, "published": is_published},
        visible_to_customer=False,
    )
    return article


@transaction.atomic
def article_translation_save(
    *,
    actor: User | AnonymousUser,
    article: Article,
    language: str,
    title: str,
    summary: str,
    keywords: str,
    body_markdown: str,
    request: HttpRequest | None = None,
) -> ArticleTranslation:
    """Save one language version; the search index is updated in this same transaction."""
    editor = require_editor(actor)
    errors: dict[str, list[str]] = {}
    if language not in ("ja", "en"):
        errors["language"] = [_("Choose Japanese or English.")]
    if not title.strip():
        errors["title"] = [_("This field is required.")]
    if not body_markdown.strip():
        errors["body_markdown"] = [_("This field is required.")]
    if errors:
        raise validation_failed(errors)
    now = timezone.now()
    translation, _created = ArticleTranslation.objects.update_or_create(
        article=article,
        language=language,
        defaults={
            "title": title.strip(),
            "summary": summary.strip(),
            "keywords": keywords.strip(),
            "body_markdown": body_markdown,
            "body_html": render_markdown(body_markdown),
            "updated_at": now,
            "updated_by": editor,
        },
    )
    Article.objects.filter(pk=article.pk).update(updated_at=now)
    index_translation(translation)
    audit_log(
        user=actor,
        actor=actor,
        event="help.article_translation_saved",
        request=request,
        data={"slug": article.slug, "language": language},
        visible_to_customer=False,
    )
    return translation


def article_preview(*, body_markdown: str) -> str:
    """What the page would show: the same rendering and sanitising as a save."""
    return render_markdown(body_markdown)


# ---- votes ------------------------------------------------------------------------------


def visitor_key(request: HttpRequest) -> str:
    """A stable, non-reversible id for "one vote per visitor": the user, else the session."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        raw = f"user:{user.pk}"
    else:
        if not request.session.session_key:
            request.session.save()
        raw = f"session:{request.session.session_key}"
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def article_vote(
    *, article: Article, visitor: str, helpful: bool, language: str = "ja", request: HttpRequest | None = None
) -> tuple[int, int]:
    """Record "was this helpful?"; a visitor's later answer replaces the earlier one.

    Rate-limited per client address. Returns the new (yes, no) counts.
    """
    limit, period = conf.vote_rate_limit()
    ip = ratelimit.client_ip(request) or "unknown"
    ratelimit.check(f"help-vote:ip:{ip}", limit=limit, period=period)
    ratelimit.check(f"help-vote:visitor:{visitor}", limit=max(5, limit // 3), period=period)
    previous = ArticleVote.objects.select_for_update().filter(article=article, visitor=visitor).first()
    if previous is None:
        try:
            with transaction.atomic():
                ArticleVote.objects.create(article=article, visitor=visitor, helpful=helpful, language=language[:2])
        except IntegrityError:  # a concurrent first vote from the same visitor won
            return _counts(article)
        field = "helpful_yes" if helpful else "helpful_no"
        Article.objects.filter(pk=article.pk).update(**{field: F(field) + 1})
    elif previous.helpful != helpful:
        previous.helpful = helpful
        previous.created_at = timezone.now()
        previous.save(update_fields=["helpful", "created_at"])
        up, down = ("helpful_yes", "helpful_no") if helpful else ("helpful_no", "helpful_yes")
        Article.objects.filter(pk=article.pk).update(**{up: F(up) + 1, down: F(down) - 1})
    return _counts(article)


FEEDBACK_MAX_LENGTH = 500


@transaction.atomic
def article_feedback_record(
    *,
    article: Article,
    visitor: str,
    reason: str,
    comment: str = "",
    language: str = "ja",
    request: HttpRequest | None = None,
) -> ArticleFeedback:
    """ "What was missing?" after a "No": kept for the editors' list (one per visitor and
    article, a later answer replaces it). Only a visitor who answered "No" can send it."""
    limit, period = conf.vote_rate_limit()
    ip = ratelimit.client_ip(request) or "unknown"
    ratelimit.check(f"help-feedback:ip:{ip}", limit=limit, period=period)
    errors: dict[str, list[str]] = {}
    if reason not in ArticleFeedback.Reason.values:
        errors["reason"] = [_("Choose what was missing.")]
    comment = " ".join((comment or "").split())
    if len(comment) > FEEDBACK_MAX_LENGTH:
        errors["comment"] = [_("Please keep it under %(n)s characters.") % {"n": FEEDBACK_MAX_LENGTH}]
    if errors:
        raise validation_failed(errors)
    if not ArticleVote.objects.filter(article=article, visitor=visitor, helpful=False).exists():
        raise ApplicationError(
            HelpCentreErrorCode.FEEDBACK_WITHOUT_VOTE,
            _("Answer “No” to “Was this article helpful?” first."),
            status=409,
        )
    feedback, _created = ArticleFeedback.objects.update_or_create(
        article=article,
        visitor=visitor,
        defaults={"reason": reason, "comment": comment, "language": language[:2], "created_at": timezone.now()},
    )
    return feedback


def _counts(article: Article) -> tuple[int, int]:
    row = Article.objects.filter(pk=article.pk).values_list("helpful_yes", "helpful_no").get()
    return int(row[0]), int(row[1])


# ---- search misses and synonyms -----------------------------------------------------------


def search_miss_record(*, query: str, language: str) -> None:
    """Remember a query that found nothing (normalised, trimmed; no personal data kept beyond it)."""
    text = " ".join(query.split())[:200]
    if not text:
        return
    now = timezone.now()
    updated = SearchMiss.objects.filter(query=text, language=language).update(count=F("count") + 1, last_seen=now)
    if not updated:
        try:
            with transaction.atomic():
                SearchMiss.objects.create(query=text, language=language, first_seen=now, last_seen=now)
        except IntegrityError:
            SearchMiss.objects.filter(query=text, language=language).update(count=F("count") + 1, last_seen=now)


def search_miss_dismiss(*, actor: User | AnonymousUser, miss: SearchMiss, request: HttpRequest | None = None) -> None:
    require_editor(actor)
    miss.delete()


@transaction.atomic
def synonym_rules_replace(*, actor: User | AnonymousUser, text: str, request: HttpRequest | None = None) -> int:
    """Replace the staff synonym rules (one rule a line) — takes effect at once, no re-index."""
    editor = require_editor(actor)
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    bad = [line for line in lines if len(line) > 500 or not SynonymTable.parse(line).expansions]
    if bad:
        raise validation_failed({"rules": [_("This rule could not be read: %(rule)s") % {"rule": bad[0][:80]}]})
    SynonymRule.objects.all().delete()
    now = timezone.now()
    SynonymRule.objects.bulk_create([SynonymRule(rule=line, updated_at=now, updated_by=editor) for line in lines])
    bump_generation()
    audit_log(
        user=actor,
        actor=actor,
        event="help.synonyms_updated",
        request=request,
        data={"rules": len(lines)},
        visible_to_customer=False,
    )
    return len(lines)


# ---- announcements ----------------------------------------------------------------------


def _invalidate_announcements() -> None:
    def clear() -> None:
        cache.delete(ANNOUNCEMENTS_CACHE_KEY)
        selectors.announcements_local_clear()

    clear()
    transaction.on_commit(clear)


@transaction.atomic
def announcement_save(
    *,
    actor: User | AnonymousUser,
    announcement: Announcement | None = None,
    kind: str,
    title_ja: str,
    title_en: str,
    body_ja: str = "",
    body_en: str = "",
    starts_at: datetime,
    ends_at: datetime | None = None,
    affects_sign_in: bool = False,
    is_published: bool = True,
    request: HttpRequest | None = None,
) -> Announcement:
    editor = require_editor(actor)
    errors: dict[str, list[str]] = {}
    if kind not in Announcement.Kind.values:
        errors["kind"] = [_("Choose a kind.")]
    if not title_ja.strip():
        errors["title_ja"] = [_("This field is required.")]
    if not title_en.strip():
        errors["title_en"] = [_("This field is required.")]
    if ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    if errors:
        raise validation_failed(errors)
    created = announcement is None
    item = announcement or Announcement(created_by=editor)
    item.kind = kind
    item.title_ja, item.title_en = title_ja.strip(), title_en.strip()
    item.body_ja, item.body_en = body_ja.strip(), body_en.strip()
    item.starts_at, item.ends_at = starts_at, ends_at
    item.affects_sign_in = affects_sign_in
    item.is_published = is_published
    item.updated_at = timezone.now()
    item.save()
    _invalidate_announcements()
    audit_log(
        user=actor,
        actor=actor,
        event="help.announcement_created" if created else "help.announcement_updated",
        request=request,
        data={"announcement_id": item.pk, "kind": kind},
        visible_to_customer=False,
    )
    return item


@transaction.atomic
def announcement_end(
    *, actor: User | AnonymousUser, announcement: Announcement, request: HttpRequest | None = None
) -> Announcement:
    """End an announcement now (maintenance finished, incident resolved)."""
    require_editor(actor)
    now = timezone.now()
    announcement.ends_at = max(now, announcement.starts_at)
    announcement.updated_at = now
    announcement.save(update_fields=["ends_at", "updated_at"])
    _invalidate_announcements()
    audit_log(
        user=actor,
        actor=actor,
        event="help.announcement_ended",
        request=request,
        data={"announcement_id": announcement.pk},
        visible_to_customer=False,
    )
    return announcement


# ---- shipped content --------------------------------------------------------------------


@transaction.atomic
def content_import(*, directory: Path | None = None, overwrite: bool = False) -> int:
    """Load the shipped articles (idempotent). Existing translations are kept unless
    ``overwrite``, so staff edits survive a re-run of ``load_demo``."""
    folder = directory or content_files.CONTENT_DIR
    categories = {}
    for cat_src in content_files.load_categories(folder):
        cat, _created = Category.objects.update_or_create(
            slug=cat_src.slug,
            defaults={"position": cat_src.position, "name_ja": cat_src.name_ja, "name_en": cat_src.name_en},
        )
        categories[cat_src.slug] = cat
    sources = content_files.load_articles(folder)
    articles: dict[str, Article] = {}
    written = 0
    for src in sources:
        article = articles.get(src.slug)
        if article is None:
            article, _created = Article.objects.get_or_create(
                slug=src.slug, defaults={"category": categories[src.category], "position": src.position}
            )
            articles[src.slug] = article
        exists = ArticleTranslation.objects.filter(article=article, language=src.language).exists()
        if exists and not overwrite:
            continue
        translation, _created = ArticleTranslation.objects.update_or_create(
            article=article,
            language=src.language,
            defaults={
                "title": src.title,
                "summary": src.summary,
                "keywords": src.keywords,
                "body_markdown": src.body,
                "body_html": render_markdown(src.body),
            },
        )
        index_translation(translation, bump=False)
        written += 1
    for src in sources:
        if src.language == "ja" and src.related:
            article = articles[src.slug]
            if not article.related.exists():
                article.related.set(Article.objects.filter(slug__in=src.related))
    bump_generation()
    return written
