from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation

from accounts.normalize import normalize_email

from . import metrics
from .captcha import verify_or_raise
from .errors import ApplicationError
from .request_context import set_request_id

Handler = Callable[[HttpRequest], HttpResponse]
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
LANGUAGE_COOKIE = "django_language"
OFFER_COOKIE = "lang_offer"
SUPPORTED = {"ja", "en"}
API_PREFIXES = ("/api/", "/_allauth/", "/internal/")


class RequestIdMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        set_request_id(request_id)
        # The request id is the only log context a request binds (tasks bind theirs in
        # core.tasks / config.celery); resetting its token is clear_contextvars() without
        # walking every context variable of the thread.
        tokens = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            response = self.get_response(request)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)
            set_request_id(None)
        response["X-Request-ID"] = request_id
        return response


def browser_language(request: HttpRequest) -> str | None:
    """The visitor's first supported language in Accept-Language, if any."""
    header = request.headers.get("Accept-Language", "")
    ranked: list[tuple[float, str]] = []
    for index, part in enumerate(header.split(",")):
        lang, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((-weight + index * 1e-6, lang.split("-")[0].lower()))
    for _weight, lang in sorted(ranked):
        if lang in SUPPORTED:
            return lang
        if lang and lang != "*":
            # The browser prefers a language we do not have: English is the closer offer.
            return "en"
    return None


class LanguageMiddleware:
    """Japanese by default. Pages: cookie > saved preference > ja, with an offer to switch when
    the browser prefers another language. API: Accept-Language (ja default, en)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIXES):
            language = browser_language(request) or settings.LANGUAGE_CODE
            offer = None
        else:
            language = request.COOKIES.get(LANGUAGE_COOKIE, "")
            user = getattr(request, "user", None)
            if language not in SUPPORTED and user is not None and user.is_authenticated:
                language = getattr(user, "language", "")
            if language not in SUPPORTED:
                language = settings.LANGUAGE_CODE
            preferred = browser_language(request)
            offer_state = request.COOKIES.get(OFFER_COOKIE, "")
            offer = preferred if preferred and preferred != language and offer_state not in {"never", "no"} else None
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        request.language_offer = offer  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary = response.get("Vary", "")
        if "Accept-Language" not in patch_vary:
            response["Vary"] = ", ".join(v for v in [patch_vary, "Accept-Language", "Cookie"] if v)
        return response


HEADLESS_AUTH_PATHS = re.compile(r"^/_allauth/(app|browser)/v1/auth/")
HEADLESS_CAPTCHA_PATHS = re.compile(r"^/_allauth/(app|browser)/v1/auth/(login|signup|password/request)$")


class HeadlessInputMiddleware:
    """allauth headless auth endpoints get the same input help and captcha as the pages:
    emails are NFKC-normalised before allauth validates them, and sign-up, sign-in and
    reset requests must carry a solved captcha."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and HEADLESS_AUTH_PATHS.match(request.path):
            try:
                body = json.loads(request.body or b"{}")
                if isinstance(body, dict) and isinstance(body.get("email"), str):
                    body["email"] = normalize_email(body["email"])
                    request._body = json.dumps(body).encode()  # type: ignore[attr-defined]
                if HEADLESS_CAPTCHA_PATHS.match(request.path):
                    payload = body.get("captcha") if isinstance(body, dict) else None
                    verify_or_raise(payload if isinstance(payload, str) else None, request)
            except ApplicationError as error:
                # allauth headless error shape, so the app shows it like other form errors.
                return JsonResponse(
                    {"status": 400, "errors": [{"message": error.message, "code": error.code, "param": "captcha"}]},
                    status=400,
                )
            except ValueError:
                pass  # not JSON: allauth answers the malformed body itself
        return self.get_response(request)


# allauth's API specification page loads Swagger UI from its CDN; nothing else may.
_SPEC_PAGE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'unsafe-inline'", "https://cdn.jsdelivr.net"],
    "style-src": ["'self'", "'unsafe-inline'", "https://cdn.jsdelivr.net"],
    "img-src": ["'self'", "data:", "https://cdn.jsdelivr.net"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
}


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; the one relaxed CSP (the API specification page).

    Sits inside django.middleware.csp.ContentSecurityPolicyMiddleware, which writes the
    policy from settings.SECURE_CSP (with the response's nonce)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.MADOGUCHI_PERMISSIONS_POLICY)
        if request.path == "/_allauth/openapi.html":
            response._csp_config = _SPEC_PAGE_CSP  # type: ignore[attr-defined]
        return response


class AfterResponseTasksMiddleware:
    """Embedded default: side effects queued during the request (core.tasks.enqueue, in-process
    mode) run once the server has sent the response (on close), not before it. Celery mode
    does not use it. Outermost but one, so that everything the view queues is covered."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from . import tasks

        token = tasks.begin_request()
        try:
            response = self.get_response(request)
        finally:
            pending = tasks.end_request(token)
        if pending:

            def run_pending() -> None:
                for work in pending:
                    work()

            if hasattr(response, "_resource_closers"):
                response._resource_closers.append(run_pending)
            else:  # pragma: no cover - not a Django response
                run_pending()
        return response


class MetricsMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None and match.route else "unmatched"
        metrics.observe_request(request.method or "GET", route, response.status_code, time.perf_counter() - started)
        return response


class PeriodicTasksMiddleware:
    """Embedded default only: runs due periodic jobs (settings.MADOGUCHI_PERIODIC) in-process,
    at most once per interval across the process, after the response is built. Production
    runs the same table on Celery beat, and this middleware does nothing there."""

    CHECK_EVERY_SECONDS = 60

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.next_check = 0.0

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.MADOGUCHI_TASKS == "inline" and not settings.TESTING and time.monotonic() >= self.next_check:
            from django.core.cache import cache

            from .tasks import enqueue

            # Each process looks at the shared tick once a minute, not on every request;
            # the tick and the per-job keys keep every job to once per interval across processes.
            self.next_check = time.monotonic() + self.CHECK_EVERY_SECONDS
            if cache.add("periodic:tick", 1, timeout=self.CHECK_EVERY_SECONDS):
                for name, (func_path, every) in settings.MADOGUCHI_PERIODIC.items():
                    if cache.add(f"periodic:{name}", 1, timeout=every):
                        enqueue(func_path)
        return response
