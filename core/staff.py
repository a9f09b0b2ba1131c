"""Staff behind the same sign-in.

Every staff page (``/staff/``, ``/recovery/staff/``, ``/help/staff/``, the admin under
``MADOGUCHI_ADMIN_PATH``, plus ``MADOGUCHI_STAFF_PATH_PREFIXES``) opens only when

1. the person signed in through the product's own sign-in (the admin's password form is
   gone: ``admin_login`` sends everyone there),
2. the account has a second factor enrolled (a passkey, or an authenticator app); without
   one the enrolment page says how to add it, and no staff page opens, and
3. this session passed that second factor (at the sign-in step, or on the staff
   verification page) within ``MADOGUCHI_STAFF_SECOND_FACTOR_HOURS``. An SMS code never
   counts for staff.

``StaffGateMiddleware`` enforces it for every path under those prefixes, so a new staff
view cannot forget it. Verification attempts are rate-limited (core.ratelimit) and every
step is audited (core.audit).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from . import ratelimit
from .audit import audit_log
from .errors import ApplicationError, CommonErrorCode, ErrorCode

if TYPE_CHECKING:
    from accounts.models import User


SESSION_VERIFIED_KEY = "madoguchi.staff_second_factor"
SESSION_AUDITED_KEY = "madoguchi.staff_access_audited"
SESSION_BLOCKED_KEY = "madoguchi.staff_enrolment_blocked"
# Authenticator types that open staff pages (allauth's session records use these names).
STRONG_TYPES = ("totp", "webauthn", "recovery_codes")
ENROLLED_TYPES = ("totp", "webauthn")
VERIFY_LIMIT = (5, 300)  # per staff account
VERIFY_IP_LIMIT = (20, 300)  # per address


# Every request asks "is this a staff page?": the prefixes are computed once per process
# (a missing optional setting costs tens of microseconds per lookup) and recomputed when a
# test changes a setting.
_PREFIXES: dict[str, Any] = {}


@receiver(setting_changed)
def _forget_prefixes(**kwargs: Any) -> None:
    _PREFIXES.clear()


def admin_prefix() -> str:
    if "admin" not in _PREFIXES:
        _PREFIXES["admin"] = "/" + str(getattr(settings, "MADOGUCHI_ADMIN_PATH", "admin")).strip("/") + "/"
    return str(_PREFIXES["admin"])


def staff_prefixes() -> tuple[str, ...]:
    if "all" not in _PREFIXES:
        extra = tuple(getattr(settings, "MADOGUCHI_STAFF_PATH_PREFIXES", ()) or ())
        _PREFIXES["all"] = ("/staff/", "/recovery/staff/", "/help/staff/", admin_prefix(), *extra)
    prefixes: tuple[str, ...] = _PREFIXES["all"]
    return prefixes


def is_staff_path(path: str) -> bool:
    return path.startswith(staff_prefixes())


def _gate_paths() -> tuple[str, str]:
    if "gate" not in _PREFIXES:
        _PREFIXES["gate"] = (reverse("core:staff_enrol"), reverse("core:staff_verify"))
    paths: tuple[str, str] = _PREFIXES["gate"]
    return paths


def max_age_seconds() -> int:
    return int(getattr(settings, "MADOGUCHI_STAFF_SECOND_FACTOR_HOURS", 12)) * 3600


def second_factor_enrolled(user: User) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user.pk, type__in=ENROLLED_TYPES).exists()


def passkey_enrolled(user: User) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.WEBAUTHN).exists()


def session_second_factor_at(request: HttpRequest, user: User) -> float | None:
    """When this session last passed a strong second factor for ``user`` (None: never)."""
    from allauth.account.internal.flows.login import get_authentication_records

    moments = [
        float(record.get("at") or 0)
        for record in get_authentication_records(request, user)
        if record.get("method") == "mfa" and record.get("type") in STRONG_TYPES
    ]
    own = request.session.get(SESSION_VERIFIED_KEY)
    if isinstance(own, dict) and own.get("user") == str(user.pk):
        moments.append(float(own.get("at") or 0))
    return max(moments) if moments else None


def session_second_factor_fresh(request: HttpRequest, user: User) -> bool:
    at = session_second_factor_at(request, user)
    return at is not None and time.time() - at <= max_age_seconds()


def login_url_for(next_url: str) -> str:
    return f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}"


def safe_next(request: HttpRequest, default: str = "/staff/") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


# --------------------------------------------------------------------------- service


def staff_second_factor_verify(
    *, user: User, code: str | None, assertion: dict[str, Any] | None, request: HttpRequest
) -> None:
    """A staff member proves the second factor for this session (after enrolling it later
    than the sign-in, or when the last proof is older than the allowed age)."""
    from mfa.services import second_factor_verify

    if not getattr(user, "is_staff", False):
        raise Http404
    if not second_factor_enrolled(user):
        raise ApplicationError(
            CommonErrorCode.TWO_FACTOR_SETUP_REQUIRED,
            _("Staff accounts need a passkey or an authenticator app. Set one up first."),
            status=403,
        )
    limit, period = VERIFY_LIMIT
    ratelimit.check(f"staff:verify:user:{user.pk}", limit=limit, period=period)
    limit, period = VERIFY_IP_LIMIT
    ratelimit.check(f"staff:verify:ip:{ratelimit.client_ip(request)}", limit=limit, period=period)
    try:
        second_factor_verify(user=user, action="staff_access", code=code, assertion=assertion, request=request)
    except ApplicationError as error:
        audit_log(
            user=user,
            actor=user,
            event="staff.second_factor_failed",
            request=request,
            data={"reason": error.code},
            visible_to_customer=False,
        )
        raise
    request.session[SESSION_VERIFIED_KEY] = {"user": str(user.pk), "at": time.time()}
    audit_log(
        user=user,
        actor=user,
        event="staff.second_factor_verified",
        request=request,
        data={"method": "passkey" if assertion else "code"},
        visible_to_customer=False,
    )


def _audit_once(request: HttpRequest, user: User, key: str, event: str, data: dict[str, Any]) -> None:
    if request.session.get(key) == str(user.pk):
        return
    request.session[key] = str(user.pk)
    audit_log(user=user, actor=user, event=event, request=request, data=data, visible_to_customer=False)


# --------------------------------------------------------------------------- the gate


def _refuse(request: HttpRequest, target: str, code: ErrorCode, message: str) -> HttpResponse:
    query = urlencode({"next": request.get_full_path()}) if request.method in ("GET", "HEAD") else ""
    url = f"{target}?{query}" if query else target
    wants_json = "application/json" in request.headers.get("Accept", "") or request.headers.get(
        "Content-Type", ""
    ).startswith("application/json")
    if request.method not in ("GET", "HEAD") and wants_json:
        return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=403)
    return HttpResponseRedirect(url)


def staff_gate(request: HttpRequest) -> HttpResponse | None:
    """None lets the request through; otherwise the answer that replaces the staff page."""
    path = request.path
    if not is_staff_path(path) or path in _gate_paths():
        return None
    user = getattr(request, "user", None)
    on_admin = path.startswith(admin_prefix())
    if user is None or not user.is_authenticated:
        if on_admin:
            return HttpResponseRedirect(login_url_for(request.get_full_path()))
        return None  # the staff views answer 404 / the sign-in redirect themselves
    if not user.is_staff or not user.is_active:
        # A customer on any staff path: nothing is there (before a view's method check
        # could answer 405 and show that something is).
        raise Http404
    enrol, verify = _gate_paths()
    if not second_factor_enrolled(user):
        _audit_once(request, user, SESSION_BLOCKED_KEY, "staff.blocked_no_second_factor", {"path": path[:200]})
        return _refuse(
            request,
            enrol,
            CommonErrorCode.TWO_FACTOR_SETUP_REQUIRED,
            _("Staff accounts need a passkey or an authenticator app before any staff page opens."),
        )
    if not session_second_factor_fresh(request, user):
        return _refuse(
            request,
            verify,
            CommonErrorCode.TWO_FACTOR_REQUIRED,
            _("Confirm with your passkey or authenticator app to open staff pages."),
        )
    _audit_once(request, user, SESSION_AUDITED_KEY, "staff.signed_in", {"path": path[:200]})
    return None


class StaffGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        answer = staff_gate(request)
        if answer is not None:
            answer["Cache-Control"] = "private, no-store"
            return answer
        return self.get_response(request)
