from django import template

register = template.Library()


@register.simple_tag
def chat_open_now() -> bool:
    """Whether a chat can start now (the contact page's chat hours, or MADOGUCHI_CHAT_ALWAYS_OPEN)."""
    from chat.selectors import chat_hours

    return chat_hours().open_now
