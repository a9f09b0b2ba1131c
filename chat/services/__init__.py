"""Writes of the live chat. Every change of a conversation goes through here (web page,
WebSocket consumer, JSON API, periodic task): permission checks, rate limits, validation,
the row, history, audit and notifications live together.

A message is stored (with its sequence number) before anyone is told about it; the fan-out
to the sockets (``chat.realtime.publish``) runs after the commit, so a crash between the
two loses nothing: clients catch up by sequence number.

The package is split by sub-domain; this module re-exports every name (private helpers
too) so ``from chat import services; services.x`` keeps working. Patch a function where it
is used (``chat.services.<module>.<name>``), not here.
"""

from __future__ import annotations

from chat.services._common import (
    CLIENT_KEY_MAX,
    REFERENCE_ALPHABET,
    _agent_name,
    _append,
    _clean_body,
    _clean_key,
    _lang,
    _lock,
    _may_steer,
    _new_reference,
    _rate_limits,
    _require_open_hours,
    _sender_for,
    _staff_locked,
    _system,
    _transcript_text,
)
from chat.services.agents import (
    conversation_accept,
    conversation_convert,
    conversation_transfer,
    customer_freeze_from_chat,
)
from chat.services.conversations import _notify_transcript, conversation_close, conversation_start
from chat.services.messages import _next_seq, _Resent, _stored, message_post
from chat.services.sweep import waiting_timeout_convert

__all__ = [
    "CLIENT_KEY_MAX",
    "REFERENCE_ALPHABET",
    "_Resent",
    "_agent_name",
    "_append",
    "_clean_body",
    "_clean_key",
    "_lang",
    "_lock",
    "_may_steer",
    "_new_reference",
    "_next_seq",
    "_notify_transcript",
    "_rate_limits",
    "_require_open_hours",
    "_sender_for",
    "_staff_locked",
    "_stored",
    "_system",
    "_transcript_text",
    "conversation_accept",
    "conversation_close",
    "conversation_convert",
    "conversation_start",
    "conversation_transfer",
    "customer_freeze_from_chat",
    "message_post",
    "waiting_timeout_convert",
]
