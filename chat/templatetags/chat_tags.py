from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def chat_open_now() -> bool:
    """Whether a chat can start now (the contact page's chat hours, or MADOGUCHI_CHAT_ALWAYS_OPEN)."""
    from chat.selectors import chat_hours

    return chat_hours().open_now


@register.simple_tag(takes_context=True)
def recent_chats(context: Any, limit: int = 5) -> list[Any]:
    """The signed-in customer's latest chats (their transcripts), for 「お問い合わせ」."""
    from chat.selectors import conversations_for_customer

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return conversations_for_customer(user=user, limit=limit)
