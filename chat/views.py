"""Chat pages: start (category, first message, suggested articles), the live chat and its
transcript for the customer; the chat queue by team and the conversation for agents.
Thin: reads through ``chat.selectors``, writes through ``chat.services``."""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import roles
from chat import presenters, selectors, services
from chat.errors import ChatErrorCode
from chat.models import ChatStatus, Conversation
from core.audit import audit_log
from core.errors import ApplicationError
from core.ratelimit import client_ip
from core.uploads import private_file_response
from core.users import signed_in_user
from support import selectors as support_selectors
from support.presenters import channel_dict, signin_rows
from support.views._common import staff_only as _staff_only

GUEST_SESSION_KEY = "support_guest"


def _lang() -> str:
    return (translation.get_language() or "ja")[:2]


def _guest_email(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return ""
    data = request.session.get(GUEST_SESSION_KEY) or {}
    if not isinstance(data, dict) or data.get("until", 0) < time.time():
        return ""
    return str(data.get("email", ""))


def _hours(language: str) -> dict[str, Any]:
    return channel_dict(selectors.chat_hours(), language)


# --------------------------------------------------------------------------- customers


def chat_new(request: HttpRequest) -> HttpResponse:
    """Signed-in customers, and guests whose email is confirmed (sign-in and security topics)."""
    guest_email = _guest_email(request)
    if not request.user.is_authenticated and not guest_email:
        return redirect_to_login(request.get_full_path())
    language = _lang()
    customer = request.user if request.user.is_authenticated else None
    existing = selectors.open_conversation(customer=customer, guest_email=guest_email)
    if existing is not None:
        return redirect("chat:conversation", conversation_id=existing.pk)
    categories = support_selectors.categories_for_customer(guest=customer is None)
    values = {"category": request.GET.get("category", ""), "body": ""}
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        values = {"category": request.POST.get("category", ""), "body": request.POST.get("body", "")}
        try:
            conversation = services.conversation_start(
                category_slug=values["category"],
                body=values["body"],
                customer=customer,
                guest_email=guest_email,
                client_key=request.POST.get("key", ""),
                ip=client_ip(request),
                request=request,
            )
        except ApplicationError as exc:
            if exc.code == ChatErrorCode.CHAT_OPEN_EXISTS and exc.fields.get("existing_id"):
                return redirect("chat:conversation", conversation_id=int(exc.fields["existing_id"][0]))
            errors = exc.fields or {"non_field": [exc.message]}
            if not exc.fields:
                messages.error(request, exc.message)
            status = exc.status if exc.status >= 400 else 400
        else:
            return redirect("chat:conversation", conversation_id=conversation.pk)
    return render(
        request,
        "chat/new.html",
        {
            "hours": _hours(language),
            "categories": [(c.slug, c.name(language)) for c in categories],
            "values": values,
            "errors": errors,
            "guest_email": guest_email,
        },
        status=status,
    )


def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    guest_email = _guest_email(request)
    if not request.user.is_authenticated and not guest_email:
        return redirect_to_login(request.get_full_path())
    if request.user.is_authenticated:
        chat = selectors.conversation_for_customer(user=request.user, conversation_id=conversation_id)
    else:
        chat = selectors.conversation_for_guest(email=guest_email, conversation_id=conversation_id)
    return render(request, "chat/conversation.html", _conversation_context(request, chat, role=selectors.CUSTOMER))


def _customer_chat(request: HttpRequest, conversation_id: int) -> tuple[Conversation, str]:
    guest_email = _guest_email(request)
    if request.user.is_authenticated:
        return selectors.conversation_for_customer(user=request.user, conversation_id=conversation_id), ""
    return selectors.conversation_for_guest(email=guest_email, conversation_id=conversation_id), guest_email


@require_POST
def conversation_post(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The compose form without JavaScript, and any message with files (the WebSocket carries
    text only): the same service as the socket and the API, then back to the chat."""
    if not request.user.is_authenticated and not _guest_email(request):
        return redirect_to_login(f"/chat/{conversation_id}/")
    chat, guest_email = _customer_chat(request, conversation_id)
    try:
        services.message_post(
            conversation=chat,
            body=request.POST.get("body", ""),
            user=request.user if request.user.is_authenticated else None,
            guest_email=guest_email,
            client_key=request.POST.get("key", ""),
            attachments=request.FILES.getlist("attachments"),
            ip=client_ip(request),
        )
    except ApplicationError as exc:
        context = _conversation_context(request, chat, role=selectors.CUSTOMER)
        context["post_error"] = exc.as_dict()["error"]
        context["post_body"] = request.POST.get("body", "")
        return render(request, "chat/conversation.html", context, status=exc.status)
    return redirect(f"/chat/{chat.pk}/#chat-compose")


def _serve(att: Any) -> FileResponse:
    return private_file_response(att.file, content_type=att.content_type, filename=att.display_name)


@never_cache
def attachment(request: HttpRequest, conversation_id: int, token: str) -> FileResponse:
    """A file of the chat, for its customer (or confirmed guest) and the agents of its team
    (under /staff/, behind the staff gate); 404 for anyone else."""
    if not request.user.is_authenticated and not _guest_email(request):
        raise Http404
    return _serve(
        selectors.attachment_for_user(
            user=request.user,
            conversation_id=conversation_id,
            token=token,
            guest_email="" if request.user.is_authenticated else _guest_email(request),
            request=request,
        )
    )


@never_cache
def staff_attachment(request: HttpRequest, conversation_id: int, token: str) -> FileResponse:
    if not request.user.is_authenticated or not support_selectors.is_support_staff(request.user):
        raise Http404
    chat = selectors.conversation_for_staff(user=request.user, conversation_id=conversation_id, request=request)
    return _serve(selectors.attachment_for_user(user=request.user, conversation_id=chat.pk, token=token))


@require_POST
def conversation_close(request: HttpRequest, conversation_id: int) -> HttpResponse:
    guest_email = _guest_email(request)
    if not request.user.is_authenticated and not guest_email:
        return redirect_to_login(request.get_full_path())
    if request.user.is_authenticated:
        chat = selectors.conversation_for_customer(user=request.user, conversation_id=conversation_id)
    else:
        chat = selectors.conversation_for_guest(email=guest_email, conversation_id=conversation_id)
    services.conversation_close(conversation=chat, user=request.user, guest_email=guest_email)
    return redirect("chat:conversation", conversation_id=chat.pk)


@login_required
def my_chats(request: HttpRequest) -> HttpResponse:
    rows = selectors.conversations_for_customer(user=signed_in_user(request))
    return render(request, "chat/mine.html", {"rows": rows, "hours": _hours(_lang())})


def _conversation_context(request: HttpRequest, chat: Conversation, *, role: str) -> dict[str, Any]:
    return {
        "chat": chat,
        "role": role,
        "state": presenters.state_dict(chat),
        "transcript": [presenters.message_dict(m) for m in selectors.transcript(chat)],
        "category_name": chat.category.name(_lang()),
        "ws_path": f"/ws/chat/{chat.pk}/",
        "attachment_base": (f"/staff/chat/{chat.pk}/files/" if role == selectors.AGENT else f"/chat/{chat.pk}/files/"),
        "compose_action": (
            f"/staff/chat/{chat.pk}/messages/" if role == selectors.AGENT else f"/chat/{chat.pk}/messages/"
        ),
        "compose_key": "f-" + secrets.token_hex(12),
    }


# --------------------------------------------------------------------------- staff console


@_staff_only
def staff_queue(request: HttpRequest) -> HttpResponse:
    language = _lang()
    queue = request.GET.get("queue", "")[:40]
    data = selectors.queue_for_staff(user=signed_in_user(request), queue_slug=queue)
    context = {
        **data,
        "tabs": [(q, q.name(language), data["counts"].get(q.id, 0)) for q in data["queues"]],
        "current_queue": queue,
        "language": language,
        "hours": _hours(language),
    }
    template = "chat/_staff_queue_list.html" if request.GET.get("fragment") == "1" else "chat/staff_queue.html"
    return render(request, template, context)


def _security_context(request: HttpRequest, chat: Conversation) -> dict[str, Any] | None:
    """The customer's security state beside the chat, as for inquiries (the read is audited)."""
    if chat.customer is None:
        return None
    context = support_selectors.customer_security_context(chat.customer)
    audit_log(
        user=chat.customer,
        actor=request.user,
        event="support.security_context_viewed",
        request=request,
        data={"chat": chat.pk, "identity_cases": [str(c.pk) for c in context["identity_cases"] or []]},
        visible_to_customer=False,
    )
    context["signins"] = signin_rows(context["recent_signins"])
    from support.views import _identity_case_rows

    context["identity_case_rows"] = _identity_case_rows(request.user, context.get("identity_cases"))
    return context


def _canned(chat: Conversation, agent: Any) -> list[dict[str, str]]:
    """Support's canned replies, rendered in the customer's language."""
    language = chat.customer.language if chat.customer else chat.language
    name = (getattr(chat.customer, "full_name", "") or "") if chat.customer else ""
    from support.internal import canned as canned_text

    values = {
        "customer_name": name or ("お客様" if language == "ja" else "customer"),
        "reference": chat.reference,
        "agent_name": getattr(agent, "full_name", "") or ("サポート担当" if language == "ja" else "Support team"),
        "category": chat.category.name(language),
        "portal_url": f"/chat/{chat.pk}/",
    }
    rows = []
    for reply in support_selectors.canned_replies():
        title = reply.title_en if _lang() == "en" else reply.title_ja
        body = reply.body_en if language == "en" else reply.body_ja
        rows.append({"slug": reply.slug, "title": title, "text": canned_text.render(body, values)})
    return rows


@_staff_only
def staff_conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    chat = selectors.conversation_for_staff(
        user=signed_in_user(request), conversation_id=conversation_id, request=request
    )
    language = _lang()
    context = _conversation_context(request, chat, role=selectors.AGENT)
    context.update(
        {
            "security": _security_context(request, chat),
            "canned": _canned(chat, request.user),
            "queues": [
                (q.slug, q.name(language))
                for q in support_selectors.visible_queues_for_staff(request.user)
                if q.id != chat.queue_id
            ],
            "is_assignee": chat.assignee_id == request.user.pk,
            "is_security_agent": roles.has_role(request.user, roles.SECURITY_AGENT),
            "is_security_chat": chat.queue.is_security or chat.category.offers_freeze,
            "customer_language": chat.customer.language if chat.customer else chat.language,
        }
    )
    return render(request, "chat/staff_conversation.html", context)


@_staff_only
@require_POST
def staff_post(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The agent's compose form with files (text alone goes by the socket): the customer's
    file checks, budget and message limit (chat.services.message_post), audited."""
    agent = signed_in_user(request)
    chat = selectors.conversation_for_staff(user=agent, conversation_id=conversation_id, audit=False)
    try:
        services.message_post(
            conversation=chat,
            body=request.POST.get("body", ""),
            user=agent,
            client_key=request.POST.get("key", ""),
            attachments=request.FILES.getlist("attachments"),
            ip=client_ip(request),
            request=request,
        )
    except ApplicationError as exc:
        fields = exc.fields.get("attachments") or exc.fields.get("body") if exc.fields else None
        messages.error(request, fields[0] if fields else exc.message)
    return redirect(f"/staff/chat/{chat.pk}/#chat-compose")


@_staff_only
@require_POST
def staff_action(request: HttpRequest, conversation_id: int, action: str) -> HttpResponse:
    agent = signed_in_user(request)
    chat = selectors.conversation_for_staff(user=agent, conversation_id=conversation_id, audit=False)
    try:
        if action == "accept":
            services.conversation_accept(agent=agent, conversation=chat)
            messages.success(request, _("You accepted the chat."))
        elif action == "transfer":
            services.conversation_transfer(
                agent=agent,
                conversation=chat,
                queue_slug=request.POST.get("queue", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("The chat was handed to the other team."))
            return redirect("chat:staff_queue")
        elif action == "convert":
            inquiry = services.conversation_convert(conversation=chat, agent=agent)
            messages.success(request, _("The chat continues as inquiry %(ref)s.") % {"ref": inquiry.reference})
            return redirect("support:staff_inquiry", inquiry_id=inquiry.pk)
        elif action == "close":
            services.conversation_close(conversation=chat, user=agent)
            messages.success(request, _("The chat has ended."))
        elif action == "freeze":
            services.customer_freeze_from_chat(agent=agent, conversation=chat, request=request)
            messages.success(request, _("The customer's account is frozen."))
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("chat:staff_conversation", conversation_id=chat.pk)


__all__ = ["ChatStatus"]
