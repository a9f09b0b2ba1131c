"""Reads of the help centre (public content is public; staff lists check roles)."""

from __future__ import annotations

import difflib
import re
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.memo import Expiring

from . import conf
from .cachekeys import ANNOUNCEMENTS_CACHE_KEY
from .internal import troubleshooter
from .internal.backends import backend_for_connection
from .internal.engine import Engine
from .internal.index import index_generation
from .internal.synonyms import SynonymTable
from .models import (
    Announcement,
    Article,
    ArticleFeedback,
    ArticleTranslation,
    Category,
    SearchMiss,
    SynonymRule,
)
from .permissions import require_editor, require_search_misses_viewer

SHIPPED_SYNONYMS = Path(__file__).resolve().parent / "internal" / "synonyms.txt"
MAX_QUERY_LENGTH = 200
SNIPPET_LENGTH = 140

_engines: dict[str, tuple[str, Engine]] = {}
_synonym_tables: dict[str, SynonymTable] = {}
_engines_lock = threading.Lock()


def _language(language: str | None) -> str:
    return "en" if (language or "").lower().startswith("en") else "ja"


def synonym_text() -> str:
    path = conf.synonyms_file()
    base = Path(path).read_text(encoding="utf-8") if path else SHIPPED_SYNONYMS.read_text(encoding="utf-8")
    extra = "\n".join(SynonymRule.objects.order_by("pk").values_list("rule", flat=True))
    return base + "\n" + extra


def search_engine() -> Engine:
    """The process-wide engine for this database; rebuilt when the index generation moves
    (article edits, synonym edits) so cached document frequencies never go stale."""
    generation = index_generation()
    vendor_key = f"{connection.vendor}:{connection.settings_dict.get('NAME')}"
    with _engines_lock:
        cached = _engines.get(vendor_key)
    if cached and cached[0] == generation:
        return cached[1]
    text = synonym_text()
    table = _synonym_tables.get(text)
    if table is None:  # parsing runs the analyser over every phrase: keep it across article edits
        table = SynonymTable.parse(text)
        with _engines_lock:
            if len(_synonym_tables) > 8:
                _synonym_tables.clear()
            _synonym_tables[text] = table
    engine = Engine(backend_for_connection(), table)
    with _engines_lock:
        _engines[vendor_key] = (generation, engine)
    return engine


def _cards(engine: Engine, article_ids: list[int], language: str) -> dict[int, dict[str, str]]:
    """slug/title/snippet/category of published articles, cached with the engine (which is
    replaced whenever an article changes), so a warm search runs one SQL query."""
    cache_ = engine.memo.setdefault(("cards", language), {})
    missing = [i for i in article_ids if i not in cache_]
    if missing:
        rows = ArticleTranslation.objects.filter(
            article_id__in=missing, language=language, article__is_published=True
        ).values_list("article_id", "article__slug", "title", "summary", "body_markdown", "article__category__slug")
        found = {}
        for article_id, slug, title, summary, body, category in rows:
            found[article_id] = {
                "slug": slug,
                "title": title,
                "snippet": _snippet_text(summary or body),
                "category": category,
            }
        for i in missing:
            cache_[i] = found.get(i)
    return {i: cache_[i] for i in article_ids if cache_.get(i) is not None}


def _snippet_text(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_LENGTH else text[: SNIPPET_LENGTH - 1] + "…"


def search_articles(*, query: str, language: str, limit: int = 5) -> list[dict[str, Any]]:
    """Ranked help articles for ``query``: ``[{slug, title, snippet, category, score}]``.

    Used by the help search page and API and by the inquiry form's suggestions while
    typing (the last word may be incomplete: it is matched as a prefix when unknown).
    When nothing matches in ``language`` the other language's index is tried, and the
    results are still shown in ``language``.
    """
    lang = _language(language)
    query = (query or "").strip()[:MAX_QUERY_LENGTH]
    limit = max(1, min(int(limit), 50))
    if not query:
        return []
    engine = search_engine()
    scored = engine.search(query, lang, limit=limit, prefix_last=True)
    if not scored:
        other = "en" if lang == "ja" else "ja"
        scored = engine.search(query, other, limit=limit, prefix_last=True)
    if not scored:
        return []
    # the backends return article ids (one document per article and language)
    cards = _cards(engine, [s.doc_id for s in scored], lang)
    results: list[dict[str, Any]] = []
    for s in scored:
        card = cards.get(s.doc_id)
        if card is not None:
            results.append({**card, "score": s.score})
    return results


# ---- articles ---------------------------------------------------------------------------


def article_for_public(*, slug: str, language: str) -> ArticleTranslation:
    """The published article in ``language`` (falling back to the other language); 404 otherwise."""
    lang = _language(language)
    translations = list(
        ArticleTranslation.objects.filter(article__slug=slug, article__is_published=True).select_related(
            "article__category"
        )
    )
    if not translations:
        raise Http404(_("Not found."))
    translations.sort(key=lambda t: t.language != lang)
    return translations[0]


def article_for_staff(*, user: User | AnonymousUser, slug: str) -> Article:

    require_editor(user)
    article = Article.objects.select_related("category").filter(slug=slug).first()
    if article is None:
        raise Http404(_("Not found."))
    return article


def related_for(*, article: Article, language: str) -> list[dict[str, str]]:
    lang = _language(language)
    rows = ArticleTranslation.objects.filter(
        article__in=article.related.filter(is_published=True), language=lang
    ).select_related("article")
    return [{"slug": t.article.slug, "title": t.title} for t in sorted(rows, key=lambda t: t.article.position)]


def categories_with_articles(*, language: str) -> list[dict[str, Any]]:
    lang = _language(language)
    translations = ArticleTranslation.objects.filter(article__is_published=True, language=lang).select_related(
        "article__category"
    )
    by_category: dict[int, list[ArticleTranslation]] = {}
    for t in translations:
        by_category.setdefault(t.article.category_id, []).append(t)
    out = []
    for cat in Category.objects.all():
        items = sorted(by_category.get(cat.pk, []), key=lambda t: (t.article.position, t.article.slug))
        if items:
            out.append({"category": cat, "name": cat.name(lang), "articles": items})
    return out


def category_for_public(*, slug: str, language: str) -> dict[str, Any]:
    for entry in categories_with_articles(language=language):
        if entry["category"].slug == slug:
            return entry
    raise Http404(_("Not found."))


def articles_for_staff(*, user: User | AnonymousUser) -> list[Article]:

    require_editor(user)
    return list(Article.objects.select_related("category").prefetch_related("translations"))


def popular_articles(*, language: str, limit: int = 5) -> list[dict[str, str]]:
    """What a dead end offers: the articles most often found helpful (then the editors' order)."""
    lang = _language(language)
    rows = (
        ArticleTranslation.objects.filter(article__is_published=True, language=lang)
        .select_related("article")
        .order_by("-article__helpful_yes", "article__category__position", "article__position", "article__slug")[
            : max(1, min(limit, 20))
        ]
    )
    return [{"slug": t.article.slug, "title": t.title} for t in rows]


def dead_end_links() -> dict[str, str]:
    """Where a search that found nothing sends the customer next."""
    return {
        "troubleshooter_url": reverse("helpcenter:troubleshooter_sign_in"),
        "contact_url": conf.url_for_flow("inquiry"),
    }


# ---- a search that found nothing ------------------------------------------------------


def _terms(query: str) -> list[str]:
    return [t for t in re.split(r"[\s\u3000、。,.・/／?？!！「」『』()（）:：…]+", query) if t]


def _vocabulary(language: str) -> list[str]:
    """Words a customer might have meant: article keywords and titles in ``language``."""
    words: set[str] = set()
    for title, keywords in ArticleTranslation.objects.filter(language=language, article__is_published=True).values_list(
        "title", "keywords"
    ):
        words.update(k.strip() for k in keywords.split(",") if 1 < len(k.strip()) <= 40)
        words.update(t for t in _terms(title) if 1 < len(t) <= 40)
    return sorted(words)


def search_alternatives(*, query: str, language: str, limit: int = 4) -> list[str]:
    """What to try after a search found nothing, each known to find something: a close
    spelling of the query or of one of its words ("did you mean"), then each word alone
    (broader)."""
    lang = _language(language)
    query = (query or "").strip()[:MAX_QUERY_LENGTH]
    terms = _terms(query)
    if not query:
        return []
    candidates: list[str] = []
    vocabulary = _vocabulary(lang)
    lowered = {w.lower(): w for w in vocabulary}
    for word in [query, *terms] if len(terms) > 1 else [query]:
        for close in difflib.get_close_matches(word.lower(), list(lowered), n=3, cutoff=0.6):
            candidates.append(lowered[close])
    if len(terms) > 1:
        candidates.extend(terms)
    out: list[str] = []
    for candidate in candidates:
        if candidate.lower() == query.lower() or candidate in out:
            continue
        if search_articles(query=candidate, language=lang, limit=1):
            out.append(candidate)
        if len(out) >= limit:
            break
    return out


# ---- the way on to the inquiry form ------------------------------------------------------

# Which support category (and sub-topic) an article's "contact us" opens. Help categories
# without a matching inquiry category open "other".
ARTICLE_INQUIRY_CATEGORIES: dict[str, tuple[str, str]] = {
    "sign-in-security": ("sign_in", ""),
    "two-factor": ("sign_in", "authenticator"),
    "deposits-withdrawals": ("funds", ""),
    "trading": ("trading", ""),
    "api": ("system", ""),
    "account-opening": ("other", ""),
    "other": ("other", ""),
}


def article_contact_url(*, article: Article) -> str:
    """The inquiry form for an article that did not answer the question, pre-filled with it."""
    category, subtopic = ARTICLE_INQUIRY_CATEGORIES.get(article.category.slug, ("other", ""))
    params = {"category": category, "article": article.slug}
    if subtopic:
        params["subtopic"] = subtopic
    return conf.url_for_flow("inquiry") + "?" + urlencode(params)


def inquiry_prefill_text(*, step: str = "", article: str = "", language: str) -> str:
    """The description an inquiry form starts with when the customer comes from the
    troubleshooter (``step``: the leaf's id) or from an article that did not help; "" when
    neither is known. Built here from our own data, never from text in the link."""
    lang = _language(language)
    with translation.override(lang):
        if step:
            found = troubleshooter.answers(troubleshooter.build_tree(), step[:64], lang)
            if found and found[0]:
                chosen, tried = found
                lines = [_("I used the “I can't sign in” troubleshooter:"), *[f"・{c}" for c in chosen]]
                if tried:
                    lines.append(_("Suggested fix I tried: %(fix)s") % {"fix": tried})
                return "\n".join([*lines, "", _("What I tried and what happened:"), ""])
        if article:
            rows = ArticleTranslation.objects.filter(article__slug=article[:100], article__is_published=True)
            translations = sorted(rows, key=lambda t: t.language != lang)
            if translations:
                text = _("I read the help article “%(title)s” but it did not solve my problem.")
                return text % {"title": translations[0].title} + "\n\n"
    return ""


# ---- search misses ----------------------------------------------------------------------


def search_misses_for_staff(*, user: User | AnonymousUser, limit: int = 200) -> list[SearchMiss]:
    require_search_misses_viewer(user)
    return list(SearchMiss.objects.order_by("-count", "-last_seen")[:limit])


def unhelpful_articles_for_staff(*, user: User | AnonymousUser, limit: int = 100) -> list[dict[str, Any]]:
    """The editors' list of articles answered "No": counts, what was missing (by reason)
    and the latest comments, worst first."""
    require_search_misses_viewer(user)
    articles = list(Article.objects.filter(helpful_no__gt=0).order_by("-helpful_no", "slug")[:limit])
    by_article: dict[int, list[ArticleFeedback]] = {}
    for fb in ArticleFeedback.objects.filter(article__in=articles).order_by("-created_at"):
        by_article.setdefault(fb.article_id, []).append(fb)
    labels = dict(ArticleFeedback.Reason.choices)
    out = []
    for a in articles:
        items = by_article.get(a.pk, [])
        reasons: dict[str, int] = {}
        for fb in items:
            reasons[str(labels[fb.reason])] = reasons.get(str(labels[fb.reason]), 0) + 1
        out.append(
            {
                "article": a,
                "no": a.helpful_no,
                "yes": a.helpful_yes,
                "reasons": sorted(reasons.items(), key=lambda kv: -kv[1]),
                "comments": [fb for fb in items if fb.comment][:5],
            }
        )
    return out


def synonym_rules_text() -> str:
    return "\n".join(SynonymRule.objects.order_by("pk").values_list("rule", flat=True))


# ---- announcements ----------------------------------------------------------------------

RECENT_DAYS = 14


# Every page shows the banner: the rows are also kept in the process for a moment, so a
# page view rarely pays a cache round trip for them. An edit clears both copies (in other
# processes the process copy lasts at most LOCAL_SECONDS).
LOCAL_SECONDS = 2.0
_local_rows: Expiring[list[Announcement]] = Expiring()


def announcements_local_clear() -> None:
    _local_rows.clear()


def _announcement_rows() -> list[Announcement]:
    local = _local_rows.get(LOCAL_SECONDS)
    if local is not None:
        return local
    rows = cache.get(ANNOUNCEMENTS_CACHE_KEY)
    if rows is None:
        horizon = timezone.now() - timedelta(days=RECENT_DAYS)
        rows = list(
            Announcement.objects.filter(is_published=True).exclude(ends_at__lt=horizon).order_by("starts_at", "pk")
        )
        cache.set(ANNOUNCEMENTS_CACHE_KEY, rows, timeout=30)
    _local_rows.set(rows)
    return rows


def announcements_public(*, now: Any = None) -> dict[str, list[Announcement]]:
    """``current`` (in progress), ``upcoming`` (not started) and ``recent`` (ended in the last two weeks)."""
    at = now or timezone.now()
    rows = _announcement_rows()
    current = [a for a in rows if a.is_active(at)]
    upcoming = [a for a in rows if a.starts_at > at]
    recent = sorted(
        (a for a in rows if a.ends_at is not None and a.ends_at <= at), key=lambda a: a.ends_at or at, reverse=True
    )
    return {"current": current, "upcoming": upcoming, "recent": recent}


def banner_announcements(*, now: Any = None, data: dict[str, list[Announcement]] | None = None) -> list[Announcement]:
    """What the banner on every page shows: everything in progress, and planned
    maintenance starting within the lead time. ``data``: announcements_public() already
    read for this request."""
    at = now or timezone.now()
    data = data or announcements_public(now=at)
    soon = at + timedelta(days=conf.announcement_lead_days())
    return data["current"] + [a for a in data["upcoming"] if a.starts_at <= soon]


def sign_in_maintenance(*, now: Any = None, data: dict[str, list[Announcement]] | None = None) -> Announcement | None:
    """Maintenance in progress that stops signing in (the sign-in page says so)."""
    at = now or timezone.now()
    for a in (data or announcements_public(now=at))["current"]:
        if a.is_maintenance and a.affects_sign_in:
            return a
    return None


def announcements_for_staff(*, user: User | AnonymousUser) -> list[Announcement]:

    require_editor(user)
    return list(Announcement.objects.order_by("-starts_at")[:200])
