"""allauth's sign-in page (``/accounts/login/``) with its ``login`` rate counted by
``accounts.login_limit``, the same counter as the headless sign-in's.

allauth's ``LoginView.dispatch`` carries the rate limit outermost, then ``login_not_required``,
``sensitive_post_parameters`` and ``never_cache``; this ``dispatch`` keeps the other three
and allauth's own check (no password sign-in when only social accounts are allowed), and
hands on to the form view under allauth's (``FormView.dispatch``) as allauth's does.
"""

from __future__ import annotations

from typing import Any

from allauth import app_settings as allauth_settings
from allauth.account import views as account_views
from allauth.account.internal.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from . import login_limit


class LoginView(account_views.LoginView):
    @method_decorator(login_not_required)
    @account_views.sensitive_post_parameters_m
    @method_decorator(never_cache)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        refusal = login_limit.refused(request)
        if refusal is not None:
            return refusal
        if allauth_settings.SOCIALACCOUNT_ONLY and request.method != "GET":
            raise PermissionDenied()
        return super(account_views.LoginView, self).dispatch(request, *args, **kwargs)


login = LoginView.as_view()
