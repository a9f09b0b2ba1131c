"""The allauth pages madoguchi uses, and nothing else (mounted at ``/accounts/``).

allauth's ``allauth.urls`` mounts every page it has, including its own email, password,
2FA, passkey, social-connection and session management pages. Those change security
state with a password at most and know nothing of freezes or the per-action second
factor, so they are not mounted: the product's ``/security/...`` pages (one writer,
``mfa.perimeter``) do those changes, and everything else under ``/accounts/`` is a 404.

Kept: sign-in, sign-out, sign-up, the email verification code page, the inactive-account
page, the password-reset pages (recovery's SMS-first form, emailed key link), the
sign-in second step (``mfa_authenticate``; our SMS step is ``/login/sms/``) and the
social sign-in callbacks and first-sign-in form.
"""

from __future__ import annotations

from allauth import app_settings as allauth_settings
from allauth.account import views as account_views
from allauth.mfa.base import views as mfa_views
from django.urls import URLPattern, URLResolver, include, path, re_path

from . import login_page

urlpatterns: list[URLPattern | URLResolver] = [
    path("login/", login_page.login, name="account_login"),  # allauth's, its rate in one round trip
    path("logout/", account_views.logout, name="account_logout"),
    path("inactive/", account_views.account_inactive, name="account_inactive"),
    path("signup/", account_views.signup, name="account_signup"),
    path("confirm-email/", account_views.email_verification_sent, name="account_email_verification_sent"),
    path("password/reset/", account_views.password_reset, name="account_reset_password"),
    path("password/reset/done/", account_views.password_reset_done, name="account_reset_password_done"),
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        account_views.password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path(
        "password/reset/key/done/",
        account_views.password_reset_from_key_done,
        name="account_reset_password_from_key_done",
    ),
    path("2fa/authenticate/", mfa_views.authenticate, name="mfa_authenticate"),
]

if allauth_settings.SOCIALACCOUNT_ENABLED:
    from allauth.socialaccount import views as social_views
    from allauth.urls import build_provider_urlpatterns

    urlpatterns += [
        path(
            "3rdparty/",
            include(
                [
                    path("login/cancelled/", social_views.login_cancelled, name="socialaccount_login_cancelled"),
                    path("login/error/", social_views.login_error, name="socialaccount_login_error"),
                    path("signup/", social_views.signup, name="socialaccount_signup"),
                ]
            ),
        ),
        *build_provider_urlpatterns(),
    ]
