"""Audit and notify on allauth's account events (allauth owns the flows; we own the record)."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from core.audit import audit_log
from core.rows import insert_row, update_fields

from . import services, usercache


@receiver(account_signals.user_logged_in)
def on_logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_log(user=user, event="login.success", request=request)
    services.device_seen(user=user, request=request)


def record_last_login(sender: Any, user: Any, **kwargs: Any) -> None:
    """Django's ``update_last_login`` (connected in its place by ``AccountsConfig.ready``):
    ``user.save(update_fields=["last_login"])``, the same UPDATE and the same signals, with
    the statement built by ``core.rows.update_fields`` instead of the ORM's save machinery."""
    from django.utils import timezone

    user.last_login = timezone.now()
    if getattr(user, "_password", None) is not None:
        # A password set in this request: AbstractBaseUser.save() has work to do.
        user.save(update_fields=["last_login"])
        return
    update_fields(user, ("last_login",))


@receiver(account_signals.user_logged_out)
def on_logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_log(user=user, event="logout", request=request)


@receiver(account_signals.password_changed)
def on_password_changed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    # allauth itself emails the customer (ACCOUNT_EMAIL_NOTIFICATIONS).
    audit_log(user=user, event="password.changed", request=request)


@receiver(account_signals.password_set)
def on_password_set(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_log(user=user, event="password.set", request=request)


@receiver(account_signals.email_added)
def on_email_added(sender: Any, request: HttpRequest, email_address: Any, **kwargs: Any) -> None:
    # Our writers change addresses themselves (account.email_changed); any allauth path that
    # still adds one (e.g. during sign-up) leaves a row too.
    audit_log(user=email_address.user, event="email.added", request=request)


@receiver(account_signals.email_changed)
def on_email_changed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_log(user=user, event="email.changed", request=request)


@receiver(account_signals.email_removed)
def on_email_removed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_log(user=user, event="email.removed", request=request)


@receiver(account_signals.email_confirmed)
def on_email_confirmed(sender: Any, request: HttpRequest, email_address: Any, **kwargs: Any) -> None:
    audit_log(user=email_address.user, event="email.confirmed", request=request)


def record_user_session(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
    from allauth.account.adapter import get_adapter
    from allauth.usersessions.models import UserSession

    from core.sessions import is_new

    if is_new(request.session):
        # Sign-in gave the session a new id in this request: no row can exist for it, so
        # one INSERT instead of allauth's get-or-create (a transaction, a SELECT, a
        # savepoint), sent as one plain statement (core.rows; the model has no receivers).
        # The same row allauth writes.
        insert_row(
            UserSession(
                user=request.user,
                session_key=request.session.session_key,
                ip=get_adapter().get_client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[
                    : UserSession._meta.get_field("user_agent").max_length
                ],
            )
        )
        return
    UserSession.objects.create_from_request(request)


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
@receiver(post_delete, sender=settings.AUTH_USER_MODEL)
def on_user_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Processes keep copies of signed-in users (accounts/usercache.py): retire them.
    usercache.bump(instance.pk)
