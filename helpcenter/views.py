"""Help-centre pages: thin, all logic in services/selectors."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import ratelimit
from core.errors import ApplicationError

from . import conf, permissions, selectors, services
from .internal import troubleshooter
from .models import Announcement, Article, ArticleFeedback, Category, SearchMiss


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 12 else 0


def _lang() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "helpcenter/home.html",
        {"categories": selectors.categories_with_articles(language=_lang())},
    )


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[: selectors.MAX_QUERY_LENGTH]
    results: list[dict[str, Any]] = []
    error = ""
    if query:
        try:
            limit, period = conf.search_rate_limit()
            ratelimit.check(f"help-search:{ratelimit.client_ip(request)}", limit=limit, period=period)
            results = selectors.search_articles(query=query, language=_lang(), limit=20)
            if not results:
                services.search_miss_record(query=query, language=_lang())
        except ApplicationError as exc:
            error = exc.message
    context: dict[str, Any] = {"query": query, "results": results, "error": error}
    if query and not results and not error:
        # a dead end: offer the popular articles, the troubleshooter and the contact form
        context["popular"] = selectors.popular_articles(language=_lang(), limit=5)
        context["alternatives"] = selectors.search_alternatives(query=query, language=_lang())
        context.update(selectors.dead_end_links())
    return render(request, "helpcenter/search.html", context)


def category(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "helpcenter/category.html", selectors.category_for_public(slug=slug, language=_lang()))


def article(request: HttpRequest, slug: str) -> HttpResponse:
    translation = selectors.article_for_public(slug=slug, language=_lang())
    voted = request.session.get("helpcenter_votes", {}).get(slug)
    return render(
        request,
        "helpcenter/article.html",
        {
            "t": translation,
            "article": translation.article,
            "related": selectors.related_for(article=translation.article, language=_lang()),
            "category_name": translation.article.category.name(_lang()),
            "voted": voted,
            "feedback_sent": slug in request.session.get("helpcenter_feedback", []),
            "feedback_reasons": ArticleFeedback.Reason.choices,
            "other_language": translation.language != _lang(),
            "contact_url": selectors.article_contact_url(article=translation.article),
            "popular": selectors.popular_articles(language=_lang(), limit=4) if voted == "no" else [],
        },
    )


@require_POST
def article_vote(request: HttpRequest, slug: str) -> HttpResponse:
    translation = selectors.article_for_public(slug=slug, language=_lang())
    helpful = request.POST.get("helpful") == "yes"
    try:
        yes, no = services.article_vote(
            article=translation.article,
            visitor=services.visitor_key(request),
            helpful=helpful,
            language=_lang(),
            request=request,
        )
    except ApplicationError as exc:
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse(exc.as_dict(), status=exc.status)
        messages.error(request, exc.message)
        return redirect("helpcenter:article", slug=slug)
    votes = request.session.get("helpcenter_votes", {})
    votes[slug] = "yes" if helpful else "no"
    request.session["helpcenter_votes"] = votes
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"helpful_yes": yes, "helpful_no": no, "vote": votes[slug]})
    messages.success(request, _("Thank you for your feedback."))
    return redirect("helpcenter:article", slug=slug)


@require_POST
def article_feedback(request: HttpRequest, slug: str) -> HttpResponse:
    """After a "No": what was missing (goes to the editors' list)."""
    translation = selectors.article_for_public(slug=slug, language=_lang())
    try:
        services.article_feedback_record(
            article=translation.article,
            visitor=services.visitor_key(request),
            reason=request.POST.get("reason", ""),
            comment=request.POST.get("comment", "")[:2000],
            language=_lang(),
            request=request,
        )
    except ApplicationError as exc:
        messages.error(request, "; ".join(m for msgs in exc.fields.values() for m in msgs) or exc.message)
        return redirect(reverse("helpcenter:article", args=[slug]) + "#vote")
    sent = request.session.get("helpcenter_feedback", [])
    if slug not in sent:
        request.session["helpcenter_feedback"] = [*sent, slug][-50:]
    messages.success(request, _("Thank you. Our editors will use this to improve the article."))
    return redirect(reverse("helpcenter:article", args=[slug]) + "#vote")


def troubleshooter_sign_in(request: HttpRequest) -> HttpResponse:
    """Server-rendered decision tree: every answer is a plain link (works without JavaScript)."""
    root = troubleshooter.build_tree()
    step = request.GET.get("step", root.id)
    found = troubleshooter.find(root, step)
    if found is None:
        raise Http404(_("Not found."))
    node, path = found
    lang = _lang()
    return render(
        request,
        "helpcenter/troubleshooter.html",
        {
            "node": node,
            "title": node.title[lang],
            "text": node.text[lang],
            "options": [{"label": o.label[lang], "id": o.node.id} for o in node.options],
            "path": [{"id": p.id, "title": p.title[lang]} for p in path],
            "leaf_url": troubleshooter.leaf_url(node),
            "inquiry_url": troubleshooter.still_stuck_url(node),
            "article_slug": node.article,
        },
    )


def status(request: HttpRequest) -> HttpResponse:
    return render(request, "helpcenter/status.html", selectors.announcements_public())


# ---- staff ------------------------------------------------------------------------------


def _staff_only(request: HttpRequest) -> None:
    if not permissions.can_edit_help(request.user):
        raise Http404(_("Not found."))


class ArticleMetaForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.all(), label=gettext_lazy("Category"))
    position = forms.IntegerField(min_value=0, max_value=30000, initial=100, label=gettext_lazy("Order"))
    is_published = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Published"))
    related = forms.ModelMultipleChoiceField(
        queryset=Article.objects.all(), required=False, label=gettext_lazy("Related articles")
    )


class ArticleTextForm(forms.Form):
    language = forms.ChoiceField(choices=[("ja", "日本語"), ("en", "English")], label=gettext_lazy("Language"))
    title = forms.CharField(max_length=200, label=gettext_lazy("Title"))
    summary = forms.CharField(
        max_length=500, required=False, label=gettext_lazy("Summary"), widget=forms.Textarea(attrs={"rows": 2})
    )
    keywords = forms.CharField(
        max_length=1000,
        required=False,
        label=gettext_lazy("Search keywords"),
        help_text=gettext_lazy("Comma separated; indexed, never shown."),
    )
    body_markdown = forms.CharField(label=gettext_lazy("Body (Markdown)"), widget=forms.Textarea(attrs={"rows": 18}))


class NewArticleForm(forms.Form):
    slug = forms.SlugField(max_length=100, label=gettext_lazy("Address (slug, cannot change later)"))
    category = forms.ModelChoiceField(queryset=Category.objects.all(), label=gettext_lazy("Category"))


@login_required
def staff_articles(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    form = NewArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.article_create(
                actor=request.user,
                slug=form.cleaned_data["slug"],
                category=form.cleaned_data["category"],
                request=request,
            )
            return redirect("helpcenter:staff_article_edit", slug=created.slug)
        except ApplicationError as exc:
            form.add_error("slug", exc.fields.get("slug", [exc.message])[0])
    return render(
        request,
        "helpcenter/staff/articles.html",
        {"articles": selectors.articles_for_staff(user=request.user), "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_article_edit(request: HttpRequest, slug: str) -> HttpResponse:
    _staff_only(request)
    article_obj = selectors.article_for_staff(user=request.user, slug=slug)
    language = request.GET.get("lang") or request.POST.get("language") or "ja"
    language = "en" if language == "en" else "ja"
    existing = article_obj.translations.filter(language=language).first()
    initial_text = {"language": language}
    if existing:
        initial_text |= {
            "title": existing.title,
            "summary": existing.summary,
            "keywords": existing.keywords,
            "body_markdown": existing.body_markdown,
        }
    meta_form = ArticleMetaForm(
        request.POST if request.POST.get("action") == "meta" else None,
        initial={
            "category": article_obj.category,
            "position": article_obj.position,
            "is_published": article_obj.is_published,
            "related": list(article_obj.related.all()),
        },
    )
    text_form = ArticleTextForm(
        request.POST if request.POST.get("action") in ("save", "preview") else None, initial=initial_text
    )
    preview_html = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "meta" and meta_form.is_valid():
                services.article_update(
                    actor=request.user,
                    article=article_obj,
                    request=request,
                    category=meta_form.cleaned_data["category"],
                    position=meta_form.cleaned_data["position"],
                    is_published=meta_form.cleaned_data["is_published"],
                    related=list(meta_form.cleaned_data["related"]),
                )
                messages.success(request, _("Saved."))
                return redirect(f"{request.path}?lang={language}")
            if action == "preview" and text_form.is_valid():
                preview_html = services.article_preview(body_markdown=text_form.cleaned_data["body_markdown"])
            if action == "save" and text_form.is_valid():
                data = text_form.cleaned_data
                services.article_translation_save(
                    actor=request.user,
                    article=article_obj,
                    language=data["language"],
                    title=data["title"],
                    summary=data["summary"],
                    keywords=data["keywords"],
                    body_markdown=data["body_markdown"],
                    request=request,
                )
                messages.success(request, _("Saved. The search index is up to date."))
                return redirect(f"{request.path}?lang={data['language']}")
        except ApplicationError as exc:
            messages.error(request, exc.message)
    return render(
        request,
        "helpcenter/staff/article_edit.html",
        {
            "article": article_obj,
            "language": language,
            "meta_form": meta_form,
            "text_form": text_form,
            "preview_html": preview_html,
            "existing": existing,
        },
    )


@login_required
def staff_search_misses(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_search_misses(request.user):
        raise Http404(_("Not found."))
    if request.method == "POST":
        miss = SearchMiss.objects.filter(pk=_int(request.POST.get("miss"))).first()
        if miss is not None:
            try:
                services.search_miss_dismiss(actor=request.user, miss=miss, request=request)
            except ApplicationError as exc:
                messages.error(request, exc.message)
        return redirect("helpcenter:staff_search_misses")
    return render(
        request,
        "helpcenter/staff/search_misses.html",
        {
            "misses": selectors.search_misses_for_staff(user=request.user),
            "unhelpful": selectors.unhelpful_articles_for_staff(user=request.user),
            "can_edit": permissions.can_edit_help(request.user),
        },
    )


@login_required
def staff_synonyms(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    text = selectors.synonym_rules_text()
    if request.method == "POST":
        text = request.POST.get("rules", "")
        try:
            count = services.synonym_rules_replace(actor=request.user, text=text, request=request)
            messages.success(request, _("Saved %(count)s rules. They apply to searches at once.") % {"count": count})
            return redirect("helpcenter:staff_synonyms")
        except ApplicationError as exc:
            messages.error(request, "; ".join(m for msgs in exc.fields.values() for m in msgs) or exc.message)
    shipped = selectors.SHIPPED_SYNONYMS.read_text(encoding="utf-8")
    return render(request, "helpcenter/staff/synonyms.html", {"rules": text, "shipped": shipped})


class AnnouncementForm(forms.Form):
    kind = forms.ChoiceField(choices=Announcement.Kind.choices, label=gettext_lazy("Kind"))
    title_ja = forms.CharField(max_length=200, label=gettext_lazy("Title (Japanese)"))
    title_en = forms.CharField(max_length=200, label=gettext_lazy("Title (English)"))
    body_ja = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("Details (Japanese)")
    )
    body_en = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label=gettext_lazy("Details (English)")
    )
    starts_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label=gettext_lazy("Starts (JST)")
    )
    ends_at = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        label=gettext_lazy("Ends (JST, empty: until further notice)"),
    )
    affects_sign_in = forms.BooleanField(required=False, label=gettext_lazy("Signing in is unavailable"))
    is_published = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Published"))


@login_required
def staff_announcements(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    editing = Announcement.objects.filter(pk=_int(request.GET.get("edit"))).first()
    initial: dict[str, Any] = {"starts_at": timezone.localtime().replace(second=0, microsecond=0)}
    if editing is not None:
        initial = {
            "kind": editing.kind,
            "title_ja": editing.title_ja,
            "title_en": editing.title_en,
            "body_ja": editing.body_ja,
            "body_en": editing.body_en,
            "starts_at": timezone.localtime(editing.starts_at),
            "ends_at": timezone.localtime(editing.ends_at) if editing.ends_at else None,
            "affects_sign_in": editing.affects_sign_in,
            "is_published": editing.is_published,
        }
    form = AnnouncementForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("end"):
            item = Announcement.objects.filter(pk=_int(request.POST.get("end"))).first()
            if item is not None:
                services.announcement_end(actor=request.user, announcement=item, request=request)
                messages.success(request, _("Announcement ended."))
            return redirect("helpcenter:staff_announcements")
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.announcement_save(actor=request.user, announcement=editing, request=request, **data)
                messages.success(request, _("Announcement saved."))
                return redirect("helpcenter:staff_announcements")
            except ApplicationError as exc:
                for field, errors in exc.fields.items():
                    form.add_error(field if field in form.fields else None, errors)
    return render(
        request,
        "helpcenter/staff/announcements.html",
        {
            "form": form,
            "editing": editing,
            "announcements": selectors.announcements_for_staff(user=request.user),
            "now": timezone.now(),
        },
    )
