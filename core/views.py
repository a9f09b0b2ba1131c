from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import metrics
from .checks import DEMO_EMAILS
from .middleware import LANGUAGE_COOKIE, OFFER_COOKIE, SUPPORTED

ONE_YEAR = 365 * 24 * 3600


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Database, cache, broker, worker and beat liveness, and the outbox's age (503 on failure).

    ``worker``/``beat``: the freshest heartbeat is younger than MADOGUCHI_WORKER_STALE_SECONDS.
    ``outbox``: the oldest undelivered side effect is younger than MADOGUCHI_OUTBOX_MAX_AGE_SECONDS
    (older means customers are waiting for emails and SMS that are not going out).
    """
    from . import health
    from .tasks import outbox_state

    checks: dict[str, str] = {}
    details: dict[str, object] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - readiness reports any failure
        checks["database"] = "error"
    try:
        cache.set("readyz", "1", timeout=5)
        checks["cache"] = "ok" if cache.get("readyz") == "1" else "error"
    except Exception:  # noqa: BLE001
        checks["cache"] = "error"
    celery = settings.MADOGUCHI_TASKS == "celery"
    if celery:
        try:
            from config.celery import app

            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["queue"] = "ok"
        except Exception:  # noqa: BLE001
            checks["queue"] = "error"
    else:
        checks["queue"] = "inline"
    if checks["database"] == "ok":
        try:
            outbox = outbox_state()
            details["outbox"] = outbox
            too_old = outbox["oldest_age_seconds"] > settings.MADOGUCHI_OUTBOX_MAX_AGE_SECONDS
            checks["outbox"] = "stale" if too_old else "ok"
            if celery:
                ages = health.heartbeat_ages()
                details["heartbeat_age_seconds"] = ages
                for kind, age in ages.items():
                    if age is None:
                        checks[kind] = "missing"
                    else:
                        checks[kind] = "ok" if age <= settings.MADOGUCHI_WORKER_STALE_SECONDS else "stale"
        except Exception:  # noqa: BLE001
            checks["outbox"] = "error"
    demo_present = (
        not settings.DEBUG
        and checks["database"] == "ok"
        and get_user_model().objects.filter(email__in=DEMO_EMAILS).exists()
    )
    if demo_present:
        checks["demo_data"] = "present"
    ok = all(value in {"ok", "inline"} for value in checks.values())
    body = {"status": "ok" if ok else "error", "checks": checks, **details}
    return JsonResponse(body, status=200 if ok else 503)


def metrics_allowed(request: HttpRequest) -> bool:
    """/metrics: a bearer token (MADOGUCHI_METRICS_TOKEN) or a source address in
    MADOGUCHI_METRICS_ALLOW_IPS; open only when MADOGUCHI_METRICS_PUBLIC (default: DEBUG).
    With none of them it answers 404, so a forgotten setting fails closed."""
    import ipaddress

    token = settings.MADOGUCHI_METRICS_TOKEN
    if token:
        supplied = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if hmac.compare_digest(supplied.encode(), token.encode()):
            return True
    networks = settings.MADOGUCHI_METRICS_ALLOW_IPS
    if networks:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in networks)
    return not token and bool(settings.MADOGUCHI_METRICS_PUBLIC)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse(status=404)
    return HttpResponse(metrics.render(), content_type="text/plain; version=0.0.4")


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.headers.get("Referer") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return target


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Language switch and the 'Show in English? Yes / No / Never' offer."""
    response = HttpResponseRedirect(_safe_next(request))
    choice = request.POST.get("offer", "yes")
    language = request.POST.get("language", "")
    if choice == "never":
        response.set_cookie(OFFER_COOKIE, "never", max_age=ONE_YEAR, samesite="Lax")
        return response
    if choice == "no":
        response.set_cookie(OFFER_COOKIE, "no", samesite="Lax")  # until the browser closes
        return response
    if language in SUPPORTED:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=ONE_YEAR, samesite="Lax")
        user = request.user
        if user.is_authenticated and getattr(user, "language", None) != language:
            from accounts.services import user_set_language

            user_set_language(user=user, language=language)
    return response


def staff_home(request: HttpRequest) -> HttpResponse:
    """The staff landing page: the consoles this person's roles open. Others get a 404."""
    from django.http import Http404

    from accounts import roles

    user = request.user
    if not user.is_authenticated or not user.is_staff:
        raise Http404
    consoles = []
    if any(roles.has_role(user, r) for r in (roles.SUPPORT_AGENT, roles.SECURITY_AGENT, roles.SUPERVISOR)):
        consoles.append(("/staff/support/", "support"))
        consoles.append(("/staff/chat/", "chat"))
    if roles.has_role(user, roles.IDENTITY_REVIEWER) or roles.has_role(user, roles.SUPERVISOR):
        consoles.append(("/recovery/staff/cases/", "identity"))
    if roles.has_role(user, roles.OPERATOR) or roles.has_role(user, roles.SUPERVISOR):
        consoles.append(("/help/staff/articles/", "help"))
        consoles.append(("/help/staff/announcements/", "announcements"))
    if user.is_superuser:
        consoles.append(("/admin/", "admin"))
    return render(request, "core/staff_home.html", {"consoles": consoles})
