"""allauth headless session tokens (``HEADLESS_TOKEN_STRATEGY``).

allauth's strategy looks an app's ``X-Session-Token`` up twice: ``exists()`` (a cache
round trip, or a query) and then the load. Ours loads once with allauth's own helper
(``sessionkit.lookup_session``): a missing or expired session clears its key on load, so
the answer is the same — the session, or None (410 for the app).
"""

from __future__ import annotations

from allauth.headless.internal import sessionkit
from allauth.headless.tokens.strategies.sessions import SessionTokenStrategy as AllauthSessionTokenStrategy
from django.contrib.sessions.backends.base import SessionBase


class SessionTokenStrategy(AllauthSessionTokenStrategy):
    def lookup_session(self, session_token: str) -> SessionBase | None:
        if not session_token:
            return None
        return sessionkit.lookup_session(session_token)
