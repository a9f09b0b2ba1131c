"""Support pages: contact channels, customer portal, guest path and the staff console.

Thin: every read goes through ``support.selectors`` and every write through
``support.services``; ApplicationError messages are shown on the page.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import roles
from core.captcha import CaptchaField
from core.errors import ApplicationError
from support import conf, selectors, services
from support.internal import presence
from support.models import Attachment, Category, Inquiry, MessageKind, Priority, Status
from support.presenters import (
    channel_dict,
    customer_can_reply,
    history_rows,
    reopen_until,
    signin_rows,
    sla_clock,
    sla_state,
)

GUEST_SESSION_KEY = "support_guest"


def _lang() -> str:
    return (translation.get_language() or "ja")[:2]


def _files(request: HttpRequest) -> list[Any]:
    return [f for f in request.FILES.getlist("attachments") if f is not None]


# --------------------------------------------------------------------------- contact


def _display_phone(e164: str) -> str:
    import phonenumbers

    from accounts.phone import display_phone

    try:
        return display_phone(e164) if e164 else ""
    except phonenumbers.NumberParseException:  # an odd stored number is still shown as it is
        return e164


def _tel(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit() or ch == "+")


def _contact_context(request: HttpRequest, *, values: dict[str, str], errors: dict[str, list[str]]) -> dict[str, Any]:
    language = _lang()
    channels = [channel_dict(s, language) for s in selectors.contact_channels()]
    phone_open = any(c["channel"] == "phone" and c["open_now"] for c in channels)
    signed_in = request.user.is_authenticated
    number = conf.phone_number()
    return {
        "channels": channels,
        "closures": selectors.upcoming_closures(),
        "language": language,
        "phone_number": number,
        "phone_tel": _tel(number),
        "callback_open": phone_open,
        "callback_slots": selectors.callback_slots() if phone_open and signed_in else [],
        "callback_topics": [(c.slug, c.name(language)) for c in selectors.categories_for_customer(guest=False)]
        if signed_in
        else [],
        "callback_values": {"phone": _display_phone(getattr(request.user, "phone", "") or ""), "preferred": "asap"}
        | values,
        "callback_errors": errors,
        "callbacks": selectors.callbacks_for_customer(user=request.user),
    }


def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "support/contact.html", _contact_context(request, values={}, errors={}))


@login_required
@require_POST
def callback_request(request: HttpRequest) -> HttpResponse:
    """The contact page's "call me back" form (phone hours only; the service decides)."""
    values = {k: str(request.POST.get(k, ""))[:60] for k in ("phone", "preferred", "topic")}
    try:
        callback = services.callback_request(
            customer=request.user,
            phone=values["phone"],
            preferred=values["preferred"],
            category_slug=values["topic"],
            request=request,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        context = _contact_context(request, values=values, errors=exc.fields)
        return render(request, "support/contact.html", context, status=exc.status if exc.status >= 400 else 400)
    messages.success(
        request,
        _("Thank you. We will call you back (%(ref)s). You can follow it in your inquiries.")
        % {"ref": callback.inquiry.reference},
    )
    return redirect(reverse("support:contact") + "#callback")


# --------------------------------------------------------------------------- form helpers


def _form_context(
    request: HttpRequest, category: Category, *, values: dict[str, Any], errors: dict[str, list[str]], guest: bool
) -> dict[str, Any]:
    language = _lang()
    specs = selectors.field_specs(category)
    field_rows = [
        {
            "spec": spec,
            "label": spec.label(language),
            "help": spec.help(language),
            "name": f"fields.{spec.key}",
            "value": values.get(f"fields.{spec.key}", ""),
            "errors": errors.get(spec.key, []),
            "choices": [(c.value, c.label(language)) for c in spec.choices],
        }
        for spec in specs
    ]
    if guest:
        # only the confirmed address's own inquiries (the ones the guest pages can open)
        duplicate = selectors.open_inquiry_in_category_for_guest(email=_guest_email(request), category=category)
    else:
        duplicate = selectors.open_inquiry_in_category(user=request.user, category=category)
    return {
        "category": category,
        "category_name": category.name(language),
        "subtopics": [(s.slug, s.name(language)) for s in category.subtopics.all()],
        "field_rows": field_rows,
        "values": values,
        "errors": errors,
        "duplicate": duplicate,
        "guest": guest,
        "max_attachments": conf.max_attachments(),
        "max_mb": conf.max_attachment_bytes() // (1024 * 1024),
        "language": language,
    }


def _submit(request: HttpRequest, category: Category, *, guest_email: str = "") -> Inquiry:
    fields = {k[len("fields.") :]: v for k, v in request.POST.items() if k.startswith("fields.")}
    return services.inquiry_create(
        customer=None if guest_email else request.user,
        guest_email=guest_email,
        category_slug=category.slug,
        subtopic_slug=request.POST.get("subtopic", ""),
        fields=fields,
        description=request.POST.get("description", ""),
        attachments=_files(request),
        allow_duplicate=request.POST.get("allow_duplicate") == "1",
        request=request,
    )


# --------------------------------------------------------------------------- customer portal


@login_required
def my_inquiries(request: HttpRequest) -> HttpResponse:
    page = selectors.inquiries_for_customer(user=request.user, cursor=request.GET.get("cursor"))
    return render(request, "support/my_inquiries.html", {"page": page, "language": _lang()})


GUEST_NEXT_SESSION_KEY = "support_guest_next"


def _prefill_query(request: HttpRequest) -> str:
    carried = {k: request.GET[k] for k in request.GET if k in selectors.PREFILL_PARAMS or k.startswith("fields.")}
    carried |= {f"fields.{k}": request.GET[k] for k in ("failing_step",) if k in request.GET}
    return ("?" + urlencode(carried)) if carried else ""


def new_inquiry(request: HttpRequest) -> HttpResponse:
    """The category chooser; a link that names a category (the troubleshooter, a help
    article) goes straight to that form, carrying what pre-fills it: signed in to the form,
    a guest through the email confirmation when the category takes guests, else to sign-in."""
    language = _lang()
    guest = not request.user.is_authenticated
    wanted = request.GET.get("category", "")
    if wanted:
        category = selectors.category_or_none(wanted, guest=False)
        if category is not None:
            query = _prefill_query(request)
            form_url = reverse("support:new_form", args=[category.slug]) + query
            if not guest:
                return redirect(form_url)
            if category.guest_allowed:
                guest_url = reverse("support:guest_new", args=[category.slug]) + query
                if _guest_email(request):
                    return redirect(guest_url)
                request.session[GUEST_NEXT_SESSION_KEY] = guest_url
                return redirect(reverse("support:guest_start") + "?" + urlencode({"category": category.slug}))
            return redirect(reverse("account_login") + "?" + urlencode({"next": form_url}))
    categories = selectors.categories_for_customer(guest=False)
    return render(
        request,
        "support/new_choose.html",
        {
            "categories": [(c, c.name(language)) for c in categories],
            "guest": guest,
            "language": language,
        },
    )


@login_required
def new_inquiry_form(request: HttpRequest, slug: str) -> HttpResponse:
    category = selectors.category_by_slug(slug)
    values: dict[str, Any] = selectors.inquiry_prefill(category=category, params=request.GET, language=_lang())
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = dict(request.POST.items())
        try:
            inquiry = _submit(request, category)
        except ApplicationError as exc:
            errors = exc.fields
            messages.error(request, exc.message)
            status = exc.status if exc.status in (400, 409, 429) else 400
        else:
            messages.success(request, _("Thank you. Your inquiry %(ref)s was received.") % {"ref": inquiry.reference})
            return redirect("support:inquiry", inquiry_id=inquiry.pk)
    context = _form_context(request, category, values=values, errors=errors, guest=False)
    return render(request, "support/new_form.html", context, status=status)


def _thread_context(inquiry: Inquiry, *, guest: bool) -> dict[str, Any]:
    return {
        "inquiry": inquiry,
        "thread": selectors.public_thread(inquiry),
        "can_reply": customer_can_reply(inquiry),
        "reopen_until": reopen_until(inquiry),
        "guest": guest,
        "category_name": inquiry.category.name(_lang()),
        "fields": _field_labels(inquiry),
        "max_attachments": conf.max_attachments(),
        "offers_freeze": inquiry.category.offers_freeze and not guest,
        "already_frozen": bool(inquiry.customer and inquiry.customer.frozen_at),
    }


def _jst_text(value: str) -> str:
    from support.internal.fields import parse_datetime
    from support.presenters import jst

    moment = parse_datetime(value)
    return f"{jst(moment)} JST" if moment else value


def _field_labels(inquiry: Inquiry) -> list[tuple[str, str]]:
    language = _lang()
    specs = {s.key: s for s in selectors.field_specs(inquiry.category)}
    rows = []
    for key, value in (inquiry.fields or {}).items():
        spec = specs.get(key)
        label = spec.label(language) if spec else key
        if spec and spec.choices:
            value = next((c.label(language) for c in spec.choices if c.value == value), value)
        elif spec and spec.kind == "datetime":
            value = _jst_text(value)
        rows.append((label, str(value)))
    return rows


@login_required
def inquiry_detail(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    inquiry = selectors.inquiry_for_customer(user=request.user, inquiry_id=inquiry_id)
    status = 200
    if request.method == "POST":
        try:
            services.inquiry_reply_customer(
                inquiry=inquiry,
                user=request.user,
                body=request.POST.get("body", ""),
                attachments=_files(request),
                request=request,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = 400
        else:
            messages.success(request, _("Your reply was sent."))
            return redirect("support:inquiry", inquiry_id=inquiry.pk)
    return render(request, "support/inquiry.html", _thread_context(inquiry, guest=False), status=status)


@login_required
@require_POST
def inquiry_close(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    inquiry = selectors.inquiry_for_customer(user=request.user, inquiry_id=inquiry_id)
    services.inquiry_close_customer(inquiry=inquiry, user=request.user)
    messages.success(request, _("The inquiry was closed."))
    return redirect("support:inquiry", inquiry_id=inquiry.pk)


@login_required
@require_POST
def freeze_now(request: HttpRequest) -> HttpResponse:
    """The immediate-freeze offer on security inquiries (signed-in customer)."""
    inquiry = None
    if request.POST.get("inquiry"):
        inquiry = selectors.inquiry_for_customer(user=request.user, inquiry_id=request.POST["inquiry"])
    frozen = services.inquiry_freeze_offer_accept(user=request.user, inquiry=inquiry, request=request)
    if frozen:
        messages.success(request, _("Your account is frozen. Trading, withdrawals and security changes are stopped."))
    else:
        messages.info(request, _("Your account was already frozen."))
    return redirect(reverse("support:inquiry", args=[inquiry.pk]) if inquiry else reverse("support:mine"))


def suggest(request: HttpRequest) -> JsonResponse:
    results = selectors.suggest_articles(query=request.GET.get("q", ""), language=_lang(), limit=5)
    return JsonResponse({"results": results})


# --------------------------------------------------------------------------- attachments


def _serve(att: Attachment) -> FileResponse:
    response = FileResponse(
        att.file.open("rb"), content_type=att.content_type, as_attachment=True, filename=att.display_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@never_cache
def attachment(request: HttpRequest, token: str) -> FileResponse:
    """Attachments are reachable only by the inquiry's customer (or confirmed guest) and by
    staff who can see its queue; anyone else gets 404."""
    user = request.user
    if user.is_authenticated and selectors.is_support_staff(user):
        try:
            return _serve(selectors.attachment_for_staff(user=user, token=token))
        except Http404:
            pass
    if user.is_authenticated:
        try:
            return _serve(selectors.attachment_for_customer(user=user, token=token))
        except Http404:
            pass
    email = _guest_email(request)
    if email:
        return _serve(selectors.attachment_for_guest(email=email, token=token))
    raise Http404


# --------------------------------------------------------------------------- guests


class GuestEmailForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)
    captcha = CaptchaField()


class GuestCodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Confirmation code"), max_length=12)


def _guest_email(request: HttpRequest) -> str:
    data = request.session.get(GUEST_SESSION_KEY) or {}
    if not isinstance(data, dict) or data.get("until", 0) < time.time():
        return ""
    return str(data.get("email", ""))


def guest_start(request: HttpRequest) -> HttpResponse:
    form = GuestEmailForm(request.POST or None)
    form.fields["captcha"].request = request  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        try:
            address = services.guest_code_send(email=form.cleaned_data["email"], request=request)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            request.session["support_guest_pending"] = address
            return redirect("support:guest_verify")
    return render(request, "support/guest_start.html", {"form": form, "next": request.GET.get("category", "")})


def guest_verify(request: HttpRequest) -> HttpResponse:
    address = request.session.get("support_guest_pending", "")
    if not address:
        return redirect("support:guest_start")
    form = GuestCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = services.guest_code_verify(email=address, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            form.add_error("code", exc.message)
        else:
            request.session.cycle_key()
            request.session[GUEST_SESSION_KEY] = {"email": confirmed, "until": time.time() + conf.guest_session_ttl()}
            request.session.pop("support_guest_pending", None)
            # back to the pre-filled form the guest was sent to (only our own guest form paths)
            after = str(request.session.pop(GUEST_NEXT_SESSION_KEY, "") or "")
            if after.startswith(reverse("support:guest_new", args=["x"]).rsplit("x/", 1)[0]):
                return redirect(after)
            return redirect("support:guest_home")
    return render(request, "support/guest_verify.html", {"form": form, "address": address})


def _require_guest(request: HttpRequest) -> str:
    email = _guest_email(request)
    if not email:
        raise _GuestRedirect
    return email


class _GuestRedirect(Exception):
    pass


def guest_view(view: Any) -> Any:
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)  # type: ignore[no-any-return]
        except _GuestRedirect:
            return redirect("support:guest_start")

    wrapper.__name__ = view.__name__
    return wrapper


@guest_view
def guest_home(request: HttpRequest) -> HttpResponse:
    email = _require_guest(request)
    language = _lang()
    page = selectors.inquiries_for_guest(email=email, cursor=request.GET.get("cursor"))
    categories = selectors.categories_for_customer(guest=True)
    return render(
        request,
        "support/guest_home.html",
        {"email": email, "page": page, "categories": [(c, c.name(language)) for c in categories]},
    )


@guest_view
def guest_new(request: HttpRequest, slug: str) -> HttpResponse:
    email = _require_guest(request)
    category = selectors.category_by_slug(slug, guest=True)
    values: dict[str, Any] = selectors.inquiry_prefill(category=category, params=request.GET, language=_lang())
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = dict(request.POST.items())
        try:
            inquiry = _submit(request, category, guest_email=email)
        except ApplicationError as exc:
            errors = exc.fields
            messages.error(request, exc.message)
            status = 400
        else:
            messages.success(request, _("Thank you. Your inquiry %(ref)s was received.") % {"ref": inquiry.reference})
            return redirect("support:guest_inquiry", inquiry_id=inquiry.pk)
    context = _form_context(request, category, values=values, errors=errors, guest=True)
    return render(request, "support/new_form.html", context, status=status)


@guest_view
def guest_inquiry(request: HttpRequest, inquiry_id: int) -> HttpResponse:
    email = _require_guest(request)
    inquiry = selectors.inquiry_for_guest(email=email, inquiry_id=inquiry_id)
    status = 200
    if request.method == "POST":
        try:
            services.inquiry_reply_customer(
                inquiry=inquiry,
                guest_email=email,
                body=request.POST.get("body", ""),
                attachments=_files(request),
                request=request,
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            status = 400
        else:
            messages.success(request, _("Your reply was sent."))
            return redirect("support:guest_inquiry", inquiry_id=inquiry.pk)
    return render(request, "support/inquiry.html", _thread_context(inquiry, guest=True), status=status)


# --------------------------------------------------------------------------- staff console


def _staff_only(view: Any) -> Any:
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.is_support_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)  # type: ignore[no-any-return]

    wrapper.__name__ = view.__name__
    return wrapper


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
    from recovery.selectors import can_open_cases
    from recovery.services import case_reference

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
    user = request.user
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
    inquiry = selectors.inquiry_for_staff(user=request.user, inquiry_id=inquiry_id)
    user = request.user
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
    inquiry = selectors.inquiry_for_staff(user=request.user, inquiry_id=inquiry_id)
    agent = request.user
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
                    raise ApplicationError("invalid_assignee", _("This person cannot work on this queue."))
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
        if action in ("reply", "move") or exc.code == "inquiry_changed":
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


__all__ = ["MessageKind"]
