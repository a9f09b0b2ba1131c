"""Shapes for the sockets, the JSON API and the pages (one shape everywhere)."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from chat.models import ChatMessage, Conversation, Sender


def author_label(message: ChatMessage) -> str:
    if message.sender == Sender.CUSTOMER:
        return _("Customer")
    if message.sender == Sender.AGENT:
        name = (getattr(message.author, "full_name", "") or "").strip() if message.author else ""
        return name or _("Support")
    return ""


def system_text(body: str) -> str:
    """A system line in the reader's language (the row stores a code, not a sentence)."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    code = data.get("code")
    from django.utils.translation import get_language

    english = (get_language() or "ja").startswith("en")
    if code == "accepted":
        name = data.get("agent") or _("An agent")
        return _("%(name)s joined the chat.") % {"name": name}
    if code == "transferred":
        team = data.get("team_en" if english else "team_ja", "")
        return _("The chat was handed to %(team)s. Please wait a moment.") % {"team": team}
    if code == "closed":
        return _("The chat has ended.")
    if code == "converted":
        if data.get("reason") == "timeout":
            return _(
                "No agent could answer in time, so your chat continues as inquiry %(ref)s. Nothing you wrote is lost."
            ) % {"ref": data.get("inquiry", "")}
        if data.get("reason") == "hours_ended":
            return _("Chat hours ended, so your chat continues as inquiry %(ref)s. Nothing you wrote is lost.") % {
                "ref": data.get("inquiry", "")
            }
        return _("Your chat continues as inquiry %(ref)s.") % {"ref": data.get("inquiry", "")}
    if code == "account_frozen":
        return _("The account has been frozen for your safety.")
    return ""


def message_dict(message: ChatMessage) -> dict[str, Any]:
    system = message.sender == Sender.SYSTEM
    data: dict[str, Any] = {}
    if system:
        try:
            data = json.loads(message.body)
        except ValueError:
            data = {}
    attachments = []
    if not system and message.pk and hasattr(message, "_prefetched_objects_cache"):
        attachments = [
            {"token": a.token, "name": a.display_name, "content_type": a.content_type, "size": a.size}
            for a in message.attachments.all()
        ]
    return {
        "seq": message.seq,
        "sender": message.sender,
        "author": author_label(message),
        "body": system_text(message.body) if system else message.body,
        "system": data.get("code", "") if system else "",
        "inquiry_id": data.get("inquiry_id") if system else None,
        "key": message.client_key,
        "created_at": message.created_at.isoformat(),
        "attachments": attachments,
    }


def state_dict(conversation: Conversation) -> dict[str, Any]:
    from chat.selectors import queue_position

    position = queue_position(conversation)
    return {
        "id": conversation.pk,
        "reference": conversation.reference,
        "status": conversation.status,
        "team": conversation.queue.name(conversation.language) if conversation.queue_id else "",
        "agent": (getattr(conversation.assignee, "full_name", "") or _("Support")) if conversation.assignee_id else "",
        "position": position[0] if position else None,
        "expected_minutes": position[1] if position else None,
        "last_seq": conversation.last_seq,
        "inquiry_id": conversation.inquiry_id,
    }


def transcript_text(conversation: Conversation, messages: list[ChatMessage]) -> str:
    """The transcript as plain text (the inquiry it continues as keeps it)."""
    lines = [_("Chat transcript %(ref)s") % {"ref": conversation.reference}, ""]
    for m in messages:
        stamp = timezone.localtime(m.created_at, timezone.get_fixed_timezone(9 * 60)).strftime("%Y-%m-%d %H:%M")
        if m.sender == Sender.SYSTEM:
            text = system_text(m.body)
            if text:
                lines.append(f"[{stamp}] — {text}")
            continue
        lines.append(f"[{stamp}] {author_label(m)}: {m.body}")
    return "\n".join(lines)
