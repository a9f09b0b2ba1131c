"""Customer notifications: email and SMS, rendered in the customer's language, sent after commit.

``send_email`` / ``send_sms`` write an outbox row in the caller's transaction (core.tasks);
the delivery passes the row's idempotency key on: as the email's ``Message-ID`` and
``X-Madoguchi-Idempotency-Key`` header, and to SMS senders that take ``idempotency_key``, so
a provider (and the outbox backends of the embedded default) can drop a redelivery.

Emails never carry secrets or private content (they link back to the site), and always show
the customer's anti-phishing code once one is set, so a customer can tell our mail from a fake.
"""

from __future__ import annotations

import inspect
import re
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .mail import IDEMPOTENCY_HEADER
from .sms import get_sms_backend
from .tasks import current_delivery_key, enqueue

if TYPE_CHECKING:
    from accounts.models import User


MAIL_TIME_ZONE = "Asia/Tokyo"  # customers read times in Japan time; the mail says so (JST)


def send_email(
    *,
    kind: str,
    context: dict[str, Any],
    user: User | None = None,
    to: str | None = None,
    language: str | None = None,
) -> None:
    if user is None and not to:
        raise ValueError("send_email needs a user or an address")
    address = to or (user.email if user is not None else "")
    enqueue(
        "core.notify:deliver_email",
        kind=kind,
        context=context,
        user_id=getattr(user, "pk", None),
        to=address,
        language=language or getattr(user, "language", None) or settings.LANGUAGE_CODE,
    )


def send_sms(*, kind: str, body: str, user: User | None = None, to: str | None = None) -> None:
    number = to or getattr(user, "phone", None)
    if not number:
        raise ValueError("send_sms needs a phone number")
    enqueue("core.notify:deliver_sms", kind=kind, body=body, to=number)


def anti_phishing_footer(user: User | None) -> str:
    code = getattr(user, "anti_phishing_code", "") if user is not None else ""
    if not code:
        return ""
    return "\n\n-- \n" + _("Your anti-phishing code: %(code)s") % {"code": code}


def tidy_body(text: str) -> str:
    """Optional blocks (a hold, a label) leave empty lines: at most one blank line in a row."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def freeze_url_for(user: User) -> str:
    """The one-tap "this wasn't me — freeze my account" link (recovery owns the token)."""
    from recovery.services import freeze_link

    return str(freeze_link(user))


def deliver_email(*, kind: str, context: dict[str, Any], user_id: int | None, to: str, language: str) -> None:
    # Rendered here, in the worker: the language is the one saved on the account when the
    # mail was queued (never the worker's or the request's), times are shown in JST, and
    # every link is built from SITE_URL.
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    with translation.override(language), timezone.override(MAIL_TIME_ZONE):
        full_context = {"user": user, "site_url": settings.SITE_URL, **context}
        if user is not None and "freeze_url" not in full_context:
            full_context["freeze_url"] = freeze_url_for(user)
        subject = " ".join(render_to_string(f"email/{kind}.subject.txt", full_context).split())
        body = tidy_body(render_to_string(f"email/{kind}.txt", full_context))
        body += anti_phishing_footer(user)
        body += "\n\n" + _("madoguchi — %(url)s") % {"url": settings.SITE_URL}
        deliver_rendered_email(kind=kind, to=to, subject=f"[madoguchi] {subject}", body=body)


def deliver_rendered_email(*, kind: str, to: str, subject: str, body: str, html: str | None = None) -> None:
    headers = {"X-Madoguchi-Kind": kind}
    key = current_delivery_key()
    if key:
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "madoguchi.invalid"
        headers["Message-ID"] = f"<{key}@{domain}>"
        headers[IDEMPOTENCY_HEADER] = key
    message = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers=headers)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def deliver_sms(*, kind: str, body: str, to: str) -> None:
    backend = get_sms_backend()
    key = current_delivery_key()
    if key and _accepts_idempotency_key(backend):
        backend.send(to=to, body=body, kind=kind, idempotency_key=key)  # type: ignore[call-arg]
    else:
        backend.send(to=to, body=body, kind=kind)


def _accepts_idempotency_key(backend: Any) -> bool:
    try:
        parameters = inspect.signature(backend.send).parameters
    except (TypeError, ValueError):
        return False
    return "idempotency_key" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())
