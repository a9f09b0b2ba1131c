"""Shaping support data for pages and the API (localised labels; no business rules)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.events import event_label
from support import conf
from support.internal.calendar import JST
from support.internal.channels import ChannelStatus
from support.internal.sla import is_breached
from support.internal.useragent import describe
from support.models import Inquiry, Priority, Status

CHANNEL_NAMES = {"form": "Inquiry form", "phone": "Phone", "chat": "Chat"}
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def channel_name(key: str) -> str:
    names = {"form": _("Inquiry form"), "phone": _("Phone"), "chat": _("Chat")}
    return names.get(key, key)


def hours_text(status: ChannelStatus) -> str:
    if status.always_open:
        return _("24 hours, every day")
    assert status.opens is not None and status.closes is not None
    if status.weekdays == (0, 1, 2, 3, 4):
        days = _("Weekdays")
    else:
        days = ", ".join(str(_(_DAY_NAMES[d])) for d in status.weekdays)
    return _("%(days)s %(opens)s–%(closes)s (JST), closed on Japanese public holidays") % {
        "days": days,
        "opens": status.opens.strftime("%H:%M"),
        "closes": status.closes.strftime("%H:%M"),
    }


def channel_dict(status: ChannelStatus, language: str) -> dict[str, Any]:
    return {
        "channel": status.channel,
        "name": str(channel_name(status.channel)),
        "open_now": status.open_now,
        "hours": str(hours_text(status)),
        "next_open": _utc(status.next_open),
        "closes_at": _utc(status.closes_at),
        "closed_reason": status.closed_reason,
    }


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC) if value is not None else None


def reopen_until(inquiry: Inquiry) -> dt.datetime | None:
    if inquiry.status == Status.RESOLVED and inquiry.resolved_at:
        return inquiry.resolved_at + dt.timedelta(days=conf.reopen_days())
    return None


def customer_can_reply(inquiry: Inquiry, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if inquiry.status == Status.CLOSED:
        return False
    until = reopen_until(inquiry)
    return until is None or now <= until


def sla_state(inquiry: Inquiry, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    active = inquiry.is_active
    first = is_breached(due_at=inquiry.first_response_due_at, met_at=inquiry.first_responded_at, now=now)
    paused = inquiry.sla_paused_seconds_left is not None
    resolution = active and not paused and is_breached(due_at=inquiry.resolution_due_at, met_at=None, now=now)
    return {
        "first_response_breached": first and (active or inquiry.first_responded_at is not None),
        "resolution_breached": resolution or (inquiry.breached_at is not None and active),
        "paused": paused,
        "first_response_due_at": inquiry.first_response_due_at,
        "resolution_due_at": inquiry.resolution_due_at,
        "breached": sla_breached(inquiry, now),
    }


def jst(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(JST).strftime("%Y-%m-%d %H:%M")


# --------------------------------------------------------------------------- staff console


def sla_breached(inquiry: Inquiry, now: dt.datetime | None = None) -> bool:
    """The badge: the same rule as ``selectors.breached_q`` (the "SLA breached" view)."""
    now = now or timezone.now()
    if not inquiry.is_active:
        return False
    fr_due, fr_at = inquiry.first_response_due_at, inquiry.first_responded_at
    return bool(
        inquiry.breached_at is not None
        or (fr_at is None and fr_due is not None and fr_due < now)
        or (fr_at is not None and fr_due is not None and fr_at > fr_due)
        or (
            inquiry.sla_paused_seconds_left is None
            and inquiry.resolution_due_at is not None
            and inquiry.resolution_due_at < now
        )
    )


def duration_text(seconds: float) -> str:
    seconds = int(abs(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)sd %(h)sh") % {"d": days, "h": hours}
    if hours:
        return _("%(h)sh %(m)smin") % {"h": hours, "m": minutes}
    return _("%(m)smin") % {"m": minutes}


def sla_clock(
    inquiry: Inquiry, now: dt.datetime | None = None, *, targets: dict[int, dt.timedelta] | None = None
) -> dict[str, Any]:
    """The running SLA target as a countdown: which target, due time, time left and a colour.

    state: ``ok`` (green), ``warning`` (amber: under a quarter of the target or under an
    hour left), ``breached`` (red; the same rule as the breached view), ``paused`` (waiting on
    the customer), ``done`` (not active).
    """
    now = now or timezone.now()
    if not inquiry.is_active:
        return {"state": "done", "label": "", "due_at": None, "seconds": None, "text": ""}
    if inquiry.first_responded_at is None:
        label, due = _("First response"), inquiry.first_response_due_at
        target = (targets or {}).get(inquiry.priority * 10 + 1)
    else:
        label, due = _("Resolution"), inquiry.resolution_due_at
        target = (targets or {}).get(inquiry.priority * 10 + 2)
    breached = sla_breached(inquiry, now)
    if inquiry.first_responded_at is not None and inquiry.sla_paused_seconds_left is not None:
        left = inquiry.sla_paused_seconds_left
        return {
            "state": "breached" if breached else "paused",
            "label": label,
            "due_at": None,
            "seconds": left,
            "text": _("paused, %(left)s left") % {"left": duration_text(left)},
        }
    if due is None:
        return {"state": "breached" if breached else "ok", "label": label, "due_at": None, "seconds": None, "text": ""}
    seconds = (due - now).total_seconds()
    if breached:
        state = "breached"
    elif seconds < 3600 or (target is not None and seconds < target.total_seconds() / 4):
        state = "warning"
    else:
        state = "ok"
    if seconds >= 0:
        text = _("%(left)s left") % {"left": duration_text(seconds)}
    else:
        text = _("%(over)s overdue") % {"over": duration_text(seconds)}
    return {"state": state, "label": label, "due_at": due, "seconds": int(seconds), "text": text}


def _status_label(value: Any) -> str:
    return str(dict(Status.choices).get(value, value))


def _priority_label(value: Any) -> str:
    try:
        return str(dict(Priority.choices).get(int(value), value))
    except (TypeError, ValueError):
        return str(value)


def _reason_label(value: str) -> str:
    labels = {
        "customer_reply": _("the customer replied"),
        "customer_closed": _("closed by the customer"),
        "reopen_period_ended": _("the reopen period ended"),
    }
    return str(labels.get(value, value))


def history_rows(
    events: list[Any], *, language: str, queue_names: dict[str, str], people: dict[int, str]
) -> list[dict[str, Any]]:
    """Translated, readable history lines (never raw kinds or key=value internals)."""
    rows = []
    for e in events:
        d = e.data or {}
        kind = e.kind
        if kind == "created":
            text = _("Inquiry received in %(queue)s, priority %(priority)s") % {
                "queue": queue_names.get(d.get("queue", ""), d.get("queue", "")),
                "priority": _priority_label(d.get("priority")),
            }
            extras = []
            if d.get("guest"):
                extras.append(str(_("sent as a guest (email confirmed)")))
            if d.get("attachments"):
                extras.append(str(_("%(n)s attachment(s)") % {"n": d["attachments"]}))
            if extras:
                text = f"{text} ({', '.join(extras)})"
        elif kind == "joined_account":
            text = _("Linked to the customer's account (same email address)")
        elif kind == "customer_reply":
            text = _("Customer replied")
            if d.get("attachments"):
                text = f"{text} ({_('%(n)s attachment(s)') % {'n': d['attachments']}})"
        elif kind == "reopened":
            text = _("Reopened by the customer's reply")
        elif kind == "status":
            text = _("Status: %(old)s → %(new)s") % {
                "old": _status_label(d.get("old")),
                "new": _status_label(d.get("new")),
            }
            if d.get("reason"):
                text = f"{text} ({_reason_label(d['reason'])})"
        elif kind == "priority":
            text = _("Priority: %(old)s → %(new)s") % {
                "old": _priority_label(d.get("old")),
                "new": _priority_label(d.get("new")),
            }
        elif kind == "queue":
            text = _("Moved: %(old)s → %(new)s") % {
                "old": queue_names.get(d.get("old", ""), d.get("old", "")),
                "new": queue_names.get(d.get("new", ""), d.get("new", "")),
            }
            if d.get("reason"):
                text = f"{text} — {_('Reason given')}: {d['reason']}"
        elif kind == "assignee":
            new = d.get("new")
            text = _("Assigned to %(who)s") % {"who": people.get(new, "—")} if new else _("Unassigned")
        elif kind == "reply":
            text = _("Public reply sent")
        elif kind == "note":
            text = _("Internal note added")
        elif kind == "macro":
            text = _("Macro applied: %(name)s") % {"name": d.get("macro_title") or d.get("macro", "")}
        elif kind == "sla_breached":
            text = (
                _("SLA breached: first response")
                if d.get("target") == "first_response"
                else _("SLA breached: resolution")
            )
        elif kind == "account_frozen":
            text = _("Customer's account frozen by staff")
        elif kind == "customer_froze_account":
            text = _("Customer froze their account")
        else:
            text = _("Other change")
        rows.append(
            {
                "created_at": e.created_at,
                "text": str(text),
                "actor": people.get(e.actor_id, "") if e.actor_id else "",
                "kind": kind,
            }
        )
    return rows


def signin_rows(events: list[Any]) -> list[dict[str, Any]]:
    """Recent sign-ins with translated event names and parsed device/browser names."""
    return [
        {
            "created_at": e.created_at,
            "label": event_label(e.event),
            "event": e.event,
            "ip": e.ip or "",
            "device": describe(e.user_agent or "").label,
        }
        for e in events
    ]
