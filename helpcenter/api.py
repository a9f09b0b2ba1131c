"""/api/v1 help centre endpoints: search, articles, the sign-in troubleshooter, announcements."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from core import ratelimit
from core.errors import ApplicationError

from . import conf, selectors, services
from .errors import HelpCentreErrorCode
from .internal import troubleshooter

router = Router(tags=["help"])


def _lang(request: HttpRequest, lang: str | None) -> str:
    value = lang or getattr(request, "LANGUAGE_CODE", None) or get_language() or "ja"
    return "en" if value.lower().startswith("en") else "ja"


class HelpSearchResultOut(Schema):
    slug: str
    title: str
    snippet: str
    category: str
    score: float


class HelpPopularOut(Schema):
    slug: str
    title: str


class HelpDeadEndOut(Schema):
    """What to offer when a search finds nothing."""

    popular: list[HelpPopularOut]
    troubleshooter_url: str
    contact_url: str
    # searches to try instead (close spellings, then single words), each known to find articles
    alternatives: list[str] = []


class HelpSearchOut(Schema):
    query: str
    language: str
    results: list[HelpSearchResultOut]
    # present (not null) only when a settled search found nothing
    fallback: HelpDeadEndOut | None = None


class HelpSearchParams(Schema):
    q: str = ""
    lang: Literal["ja", "en"] | None = None
    limit: int = 10


@router.get("/help/search", response=HelpSearchOut, summary="Search help articles (ranked, best first)")
def help_search(request: HttpRequest, params: Query[HelpSearchParams]) -> dict[str, object]:
    limit, period = conf.search_rate_limit()
    ratelimit.check(f"help-search:{ratelimit.client_ip(request)}", limit=limit, period=period)
    language = _lang(request, params.lang)
    query = params.q.strip()[: selectors.MAX_QUERY_LENGTH]
    results = selectors.search_articles(query=query, language=language, limit=max(1, min(params.limit, 50)))
    # Suggestions while typing send partial words: only a settled query counts as a miss.
    out: dict[str, object] = {"query": query, "language": language, "results": results}
    if query and not results and request.GET.get("final") != "0":
        services.search_miss_record(query=query, language=language)
        out["fallback"] = {
            "popular": selectors.popular_articles(language=language),
            "alternatives": selectors.search_alternatives(query=query, language=language),
            **selectors.dead_end_links(),
        }
    return out


class HelpRelatedOut(Schema):
    slug: str
    title: str


class HelpArticleOut(Schema):
    slug: str
    language: str
    title: str
    summary: str
    body_html: str
    category: str
    category_name: str
    related: list[HelpRelatedOut]
    updated_at: dt.datetime
    helpful_yes: int
    helpful_no: int


@router.get("/help/articles/{slug}", response=HelpArticleOut, summary="One help article (body is sanitised HTML)")
def help_article(request: HttpRequest, slug: str, lang: Literal["ja", "en"] | None = None) -> dict[str, object]:
    language = _lang(request, lang)
    t = selectors.article_for_public(slug=slug, language=language)
    return {
        "slug": t.article.slug,
        "language": t.language,
        "title": t.title,
        "summary": t.summary,
        "body_html": t.body_html,
        "category": t.article.category.slug,
        "category_name": t.article.category.name(language),
        "related": selectors.related_for(article=t.article, language=language),
        "updated_at": max(t.updated_at, t.article.updated_at),
        "helpful_yes": t.article.helpful_yes,
        "helpful_no": t.article.helpful_no,
    }


class HelpVoteIn(Schema):
    helpful: bool


class HelpVoteOut(Schema):
    helpful_yes: int
    helpful_no: int


def _require_json(request: HttpRequest) -> None:
    # The vote and feedback count for the visitor's session, and the endpoints take no CSRF
    # token (apps call them). A page on another site can only post forms (form-encoded or
    # text/plain), not JSON, without a CORS preflight we never grant: requiring JSON keeps
    # such forms out.
    if request.content_type != "application/json":
        message = _("Send the vote as JSON (Content-Type: application/json).")
        raise ApplicationError(HelpCentreErrorCode.UNSUPPORTED_MEDIA_TYPE, message, status=415)


@router.post("/help/articles/{slug}/vote", response=HelpVoteOut, summary="Was this helpful? (one answer per visitor)")
def help_article_vote(request: HttpRequest, slug: str, payload: HelpVoteIn) -> dict[str, int]:
    _require_json(request)
    t = selectors.article_for_public(slug=slug, language="ja")
    yes, no = services.article_vote(
        article=t.article,
        visitor=services.visitor_key(request),
        helpful=payload.helpful,
        language=_lang(request, None),
        request=request,
    )
    return {"helpful_yes": yes, "helpful_no": no}


class HelpFeedbackIn(Schema):
    reason: Literal["not_my_question", "steps_failed", "unclear", "outdated", "other"]
    comment: str = ""


class HelpFeedbackOut(Schema):
    ok: bool


@router.post(
    "/help/articles/{slug}/feedback",
    response=HelpFeedbackOut,
    summary="After a “No” vote: what was missing (for the editors)",
)
def help_article_feedback(request: HttpRequest, slug: str, payload: HelpFeedbackIn) -> dict[str, bool]:
    _require_json(request)
    t = selectors.article_for_public(slug=slug, language="ja")
    services.article_feedback_record(
        article=t.article,
        visitor=services.visitor_key(request),
        reason=payload.reason,
        comment=payload.comment[:2000],
        language=_lang(request, None),
        request=request,
    )
    return {"ok": True}


class HelpTroubleshooterOptionOut(Schema):
    label: str
    node: HelpTroubleshooterNodeOut


class HelpTroubleshooterNodeOut(Schema):
    id: str
    kind: Literal["question", "fix", "flow", "inquiry"]
    title: str
    text: str
    article: str | None
    url: str | None
    inquiry_url: str | None
    options: list[HelpTroubleshooterOptionOut]


HelpTroubleshooterOptionOut.model_rebuild()
HelpTroubleshooterNodeOut.model_rebuild()


@router.get(
    "/help/troubleshooter/sign-in",
    response=HelpTroubleshooterNodeOut,
    summary='The "I can\'t sign in" troubleshooter as a tree',
    description="Questions have options leading to nodes; every leaf is a fix (with its article), a "
    "self-service flow (url) or a pre-filled inquiry form (url).",
)
def sign_in_troubleshooter(request: HttpRequest, lang: Literal["ja", "en"] | None = None) -> dict[str, object]:
    return troubleshooter.serialize(troubleshooter.build_tree(), _lang(request, lang))


class HelpAnnouncementOut(Schema):
    id: int
    kind: str
    status: Literal["in_progress", "upcoming", "ended"]
    title: str
    body: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    affects_sign_in: bool


class HelpAnnouncementsOut(Schema):
    sign_in_available: bool
    announcements: list[HelpAnnouncementOut]


@router.get("/announcements", response=HelpAnnouncementsOut, summary="Current and upcoming maintenance and incidents")
def announcements(request: HttpRequest, lang: Literal["ja", "en"] | None = None) -> dict[str, object]:
    language = _lang(request, lang)
    data = selectors.announcements_public()
    items = []
    for status_name, rows in (("in_progress", data["current"]), ("upcoming", data["upcoming"])):
        for a in rows:
            items.append(
                {
                    "id": a.pk,
                    "kind": a.kind,
                    "status": status_name,
                    "title": a.title(language),
                    "body": a.body(language),
                    "starts_at": a.starts_at,
                    "ends_at": a.ends_at,
                    "affects_sign_in": a.affects_sign_in,
                }
            )
    return {"sign_in_available": selectors.sign_in_maintenance() is None, "announcements": items}
