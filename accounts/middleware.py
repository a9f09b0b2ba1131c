import hashlib
import random
import time
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from core.memo import LocalLRU
from core.ratelimit import client_ip

from .services import DEVICE_COOKIE, DEVICE_COOKIE_AGE

TRACK_EVERY_SECONDS = 60


class DeviceCookieMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        token = getattr(request, "_madoguchi_device_token", None)
        if token:
            response.set_cookie(
                DEVICE_COOKIE,
                token,
                max_age=DEVICE_COOKIE_AGE,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response


class ThrottledUserSessionsMiddleware:
    """allauth's session tracking, at most once a minute per session.

    allauth's UserSessionsMiddleware writes and commits the session row on every signed-in
    request, which cost the home page most of its throughput (docs/performance.md). The
    sessions page only needs "last seen" to the minute; a new IP or user agent is recorded
    (and allauth's session_client_changed signal sent) within the same minute.
    """

    # The shared key decides across processes; the process also remembers what it has
    # looked at, so most requests pay no cache round trip: for a minute after it recorded the
    # session itself, for a few seconds after another process had.
    RECHECK_SECONDS = 10
    REMEMBERED = 10_000

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.checked: LocalLRU[float] = LocalLRU(self.REMEMBERED)  # client -> next check (epoch seconds)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from allauth.usersessions import app_settings
        from allauth.usersessions.models import UserSession

        session_key = getattr(getattr(request, "session", None), "session_key", None)
        user = getattr(request, "user", None)
        if app_settings.TRACK_ACTIVITY and session_key and user is not None and user.is_authenticated:
            client = hashlib.sha256(
                f"{session_key}|{client_ip(request) or ''}|{request.headers.get('User-Agent', '')}".encode()
            ).hexdigest()
            now = time.time()  # the same clock as the cache's expiry
            if (self.checked.get(client) or 0.0) <= now:
                # A little jitter, so that sessions that began together (a deploy, a load test)
                # do not all write their activity row in the same second each minute.
                every = TRACK_EVERY_SECONDS + random.randint(0, TRACK_EVERY_SECONDS // 4)  # noqa: S311
                recorded = cache.add(f"usersession:seen:{client}", 1, timeout=every)
                if recorded:
                    UserSession.objects.create_from_request(request)
                self.checked.put(client, now + (every if recorded else self.RECHECK_SECONDS))
        return self.get_response(request)
