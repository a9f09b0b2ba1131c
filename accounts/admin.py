"""The admin never writes security state: allauth's own admin registrations are replaced
by read-only views (or removed where the rows are secrets).

Email addresses, authenticators, social accounts and sessions change only through the
product's writers (``mfa.perimeter``: freeze check, second factor, audit, notification);
an admin form beside them would be a bypass. OAuth tokens are credentials and are not shown
at all. Social *apps* (provider configuration) stay editable for operators.
"""

from __future__ import annotations

from allauth.account import admin as _account_admin  # noqa: F401 - registers first, then we replace
from allauth.account.models import EmailAddress
from allauth.mfa import admin as _mfa_admin  # noqa: F401
from allauth.mfa.models import Authenticator
from allauth.socialaccount import admin as _social_admin  # noqa: F401
from allauth.socialaccount.models import SocialAccount, SocialToken
from allauth.usersessions import admin as _sessions_admin  # noqa: F401
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group

from core.admin_views import ReadOnlyAdmin

for model in (EmailAddress, Authenticator, SocialAccount, SocialToken, UserSession):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(EmailAddress)
class EmailAddressAdmin(ReadOnlyAdmin):
    list_display = ("email", "user", "primary", "verified")
    search_fields = ("email", "user__email")


@admin.register(Authenticator)
class AuthenticatorAdmin(ReadOnlyAdmin):
    # ``data`` holds the (encrypted) TOTP secret, recovery-code seed or passkey: never shown.
    list_display = ("user", "type", "created_at", "last_used_at")
    fields = ("user", "type", "created_at", "last_used_at")
    list_filter = ("type",)
    search_fields = ("user__email",)


@admin.register(SocialAccount)
class SocialAccountAdmin(ReadOnlyAdmin):
    list_display = ("user", "provider", "uid", "last_login", "date_joined")
    fields = ("user", "provider", "uid", "last_login", "date_joined")
    search_fields = ("user__email", "uid")


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdmin):
    # The session key is a bearer credential: never shown.
    list_display = ("user", "ip", "created_at", "last_seen_at")
    fields = ("user", "ip", "user_agent", "created_at", "last_seen_at")
    search_fields = ("user__email", "ip")


# Django's two-pane permission picker (filter_horizontal) draws an icon with an
# aria-label and no role (axe: aria-prohibited-attr); the plain multiple select is labelled.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    filter_horizontal = ()
