"""Staff console pages: the queue, one inquiry, actions, presence."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from core.errors import ApplicationError
from recovery.selectors import can_open_cases
from recovery.services import case_reference
from support import selectors, services
from support.errors import SupportErrorCode
from support.internal import presence
from support.models import Inquiry, Priority, Status
from support.presenters import (
    history_rows,
    signin_rows,
    sla_clock,
    sla_state,
)
from support.views._common import _field_labels, _files, _lang, signed_in_user
from support.views._common import staff_only as _staff_only

# --------------------------------------------------------------------------- staff console


@_staff_only
def staff_queue(request: HttpRequest) -> HttpResponse:
    language = _lang()
    queue = request.GET.get("queue", "")
    view = request.GET.get("view", "active")
    query = request.GET.get("q", "")[:200]
    try:
        priority = int(request.GET.get("priority", "") or 0) or None
    except ValueError:
        priority = None
    page = selectors.queue_page_for_staff(
        user=request.user,
        queue=queue or None,
        view=view,
        priority=priority,
        query=query,
        cursor=request.GET.get("cursor"),
    )
    now = timezone.now()
    # labels and links computed once per page, not once per row (50 rows x lazy gettext)
    status_labels = {value: str(label) for value, label in Status.choices}
    priority_labels = {value: str(label) for value, label in Priority.choices}
    queue_names = {q.id: q.name(language) for q in page.queues}
    detail = reverse("support:staff_inquiry", args=[0]).rsplit("0/", 1)[0]
    targets = selectors.sla_targets()
    rows = [
        {
            "inquiry": i,
            "url": f"{detail}{i.pk}/",
            "sla": sla_state(i, now),
            "clock": sla_clock(i, now, targets=targets),
            "status_label": status_labels.get(i.status, i.status),
            "priority_label": priority_labels.get(i.priority, str(i.priority)),
            "queue_name": queue_names.get(i.queue_id, ""),
        }
        for i in page.items
    ]
    totals = {"active": sum(c.get("active", 0) for c in page.counts.values())}
    return render(
        request,
        "support/staff_queue.html",
        {
            "page": page,
            "rows": rows,
            "queues": [(q, q.name(language), page.counts.get(q.id, {})) for q in page.queues],
            "totals": totals,
            "current_queue": queue,
            "view": view,
            "views": selectors.STAFF_VIEWS,
            "query": query,
            "priority": priority or "",
            "priorities": Priority.choices,
        },
    )


def _identity_case_rows(user: Any, cases: list[Any] | None) -> list[dict[str, Any]] | None:
    """Open identity cases with translated status and a link when the agent may open them."""
    if cases is None:
        return None
    linkable = can_open_cases(user)
    return [
        {
            "reference": case_reference(c),
            "status": c.get_status_display(),
            "purpose": c.get_purpose_display(),
            "url": reverse("recovery:staff_case", args=[c.pk]) if linkable else "",
        }
        for c in cases
    ]


def staff_inquiry_context(
    request: HttpRequest, inquiry: Inquiry, *, draft: dict[str, str] | None = None
) -> dict[str, Any]:
    user = signed_in_user(request)
    language = _lang()
    canned = [
        {
            "slug": r.slug,
            "title": r.title_en if language == "en" else r.title_ja,
            "text": services.canned_render(reply=r, inquiry=inquiry, agent=user),
            "status": r.set_status,
            "priority": r.set_priority or "",
        }
        for r in selectors.canned_replies()
    ]
    agents = []
    if roles.has_role(user, roles.SUPERVISOR):
        agents = list(
            get_user_model()
            .objects.filter(is_staff=True, is_active=True, groups__name__in=selectors.STAFF_ROLES)
            .distinct()
            .order_by("email")[:200]
        )
    events = selectors.history(inquiry)
    people_ids: set[int] = {e.actor_id for e in events if e.actor_id}
    people_ids |= {e.data.get(k) for e in events if e.kind == "assignee" for k in ("old", "new") if e.data.get(k)}
    people = selectors.people_names(people_ids)
    queues_by_slug = selectors.queue_names(language)
    macro_titles = {c["slug"]: c["title"] for c in canned}
    for e in events:
        if e.kind == "macro":
            e.data = {**e.data, "macro_title": macro_titles.get(e.data.get("macro", ""), "")}
    security = selectors.security_context_for_staff(user=user, inquiry=inquiry, request=request)
    if security is not None:
        security["signins"] = signin_rows(security["recent_signins"])
        security["identity_case_rows"] = _identity_case_rows(user, security.get("identity_cases"))
    return {
        "inquiry": inquiry,
        "thread": selectors.staff_thread(inquiry),
        "history": history_rows(events, language=language, queue_names=queues_by_slug, people=people),
        "seen_event": max((e.pk for e in events), default=0),
        "sla": sla_state(inquiry),
        "clock": sla_clock(inquiry, targets=selectors.sla_targets()),
        "security": security,
        "others": presence.others(inquiry_id=inquiry.pk, agent_id=_pk(user)),
        "other_inquiries": selectors.other_inquiries_for_staff(user=user, inquiry=inquiry),
        "status_labels": dict(Status.choices),
        "canned": canned,
        "statuses": Status.choices,
        "priorities": Priority.choices,
        "queues": [(q.slug, q.name(language), q.is_security) for q in selectors.visible_queues_for_staff(user)],
        "agents": agents,
        "is_supervisor": roles.has_role(user, roles.SUPERVISOR),
        "is_security_agent": roles.has_role(user, roles.SECURITY_AGENT),
        "category_name": inquiry.category.name(language),
        "fields": _field_labels(inquiry),
        "customer_language": inquiry.customer.language if inquiry.customer else inquiry.language,
        "draft": draft or {},
    }


@_staff_only
def staff_inquiry(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    user = signed_in_user(request)
    inquiry = selectors.inquiry_for_staff(user=user, inquiry_id=inquiry_id)
    presence.touch(inquiry_id=inquiry.pk, agent_id=_pk(user), name=_agent_name(user), mode=presence.VIEWING)
    return render(request, "support/staff_inquiry.html", staff_inquiry_context(request, inquiry))


def _seen(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _pk(user: Any) -> int:
    return int(user.pk)


def _agent_name(user: Any) -> str:
    return str(getattr(user, "full_name", "") or user.email)


@_staff_only
@require_POST
def staff_action(request: HttpRequest, inquiry_id: int, action: str) -> HttpResponse:
    agent = signed_in_user(request)
    inquiry = selectors.inquiry_for_staff(user=agent, inquiry_id=inquiry_id)
    post = request.POST
    seen = _seen(post.get("seen"))
    try:
        if action == "reply":
            services.inquiry_reply_staff(
                agent=agent,
                inquiry=inquiry,
                body=post.get("body", ""),
                internal=post.get("internal") == "1",
                canned_slug=post.get("canned", ""),
                new_status=post.get("status") or None,
                new_priority=int(post.get("priority") or 0) or None,
                attachments=_files(request),
                seen_event=seen,
            )
            presence.touch(inquiry_id=inquiry.pk, agent_id=_pk(agent), name=_agent_name(agent), mode=presence.VIEWING)
            messages.success(request, _("Internal note saved.") if post.get("internal") == "1" else _("Reply sent."))
        elif action == "status":
            services.inquiry_set_status(agent=agent, inquiry=inquiry, status=post.get("status", ""), seen_event=seen)
            messages.success(request, _("Status changed."))
        elif action == "priority":
            services.inquiry_set_priority(
                agent=agent, inquiry=inquiry, priority=int(post.get("priority", "0") or 0), seen_event=seen
            )
            messages.success(request, _("Priority changed."))
        elif action == "assign":
            target = post.get("assignee", "")
            assignee = None
            if target == "me":
                assignee = agent
            elif target:
                assignee = get_user_model().objects.filter(pk=int(target), is_staff=True).first()
                if assignee is None:
                    raise ApplicationError(
                        SupportErrorCode.INVALID_ASSIGNEE, _("This person cannot work on this queue.")
                    )
            services.inquiry_assign(agent=agent, inquiry=inquiry, assignee=assignee, seen_event=seen)
            messages.success(request, _("Assignment changed."))
        elif action == "move":
            services.inquiry_move(
                agent=agent,
                inquiry=inquiry,
                queue_slug=post.get("queue", ""),
                reason=post.get("reason", ""),
                seen_event=seen,
                request=request,
            )
            messages.success(request, _("Moved to another queue."))
        elif action == "freeze":
            services.customer_freeze_by_staff(agent=agent, inquiry=inquiry, request=request)
            messages.success(request, _("The customer's account is frozen."))
        else:
            raise Http404
    except ApplicationError as exc:
        if action in ("reply", "move") or exc.code == SupportErrorCode.INQUIRY_CHANGED:
            # nothing was saved: show the page again with what the agent typed, and the
            # latest thread and history (a collision or a validation error loses nothing)
            messages.error(request, exc.message)
            keys = ("body", "internal", "status", "priority", "canned") if action == "reply" else ()
            draft = {k: str(post.get(k, "")) for k in keys}
            if action == "move":
                draft["reason"] = str(post.get("reason", ""))
            draft["action"] = action
            inquiry.refresh_from_db()
            context = staff_inquiry_context(request, inquiry, draft=draft)
            return render(
                request, "support/staff_inquiry.html", context, status=exc.status if exc.status >= 400 else 400
            )
        messages.error(request, exc.message)
    except ValueError:
        messages.error(request, _("Please check the form."))
    try:
        selectors.inquiry_for_staff(user=agent, inquiry_id=inquiry.pk)
    except Http404:
        return redirect("support:staff_queue")
    return redirect("support:staff_inquiry", inquiry_id=inquiry.pk)


@_staff_only
@require_POST
def staff_presence(request: HttpRequest, inquiry_id: int) -> JsonResponse:
    inquiry = selectors.inquiry_for_staff(user=request.user, inquiry_id=inquiry_id)
    mode = request.POST.get("mode", presence.VIEWING)
    if mode == "leave":
        presence.leave(inquiry_id=inquiry.pk, agent_id=_pk(request.user))
    else:
        presence.touch(inquiry_id=inquiry.pk, agent_id=_pk(request.user), name=_agent_name(request.user), mode=mode)
    return JsonResponse({"others": presence.others(inquiry_id=inquiry.pk, agent_id=_pk(request.user))})
