"""The request limit of the password sign-in: allauth's ``login`` rate, counted in one round trip.

``ACCOUNT_RATE_LIMITS["login"]`` (``30/m/ip``) caps the password sign-in requests of one
client address, on the sign-in page and the headless ``…/auth/login`` alike. allauth counts
it with a lock in the cache around a list of timestamps (four Redis commands per request:
take the lock, read, write, release). This module counts the same rate in
``core.ratelimit``'s fixed windows, one round trip for all of the setting's rates, and both
login views call it in place of allauth's decorator (``accounts/headless_login.py``,
``accounts/allauth_urls.py``). What stays allauth's: the rates (read from its setting), the
address (its ``get_ip``: our ``client_ip``, IPv6 cut to allauth's prefix), which requests
count (every method but GET), and the refusal (its 429 answer, the headless one for the API).

Two differences, both on the strict side or neutral: a window is fixed (from the first request
in it) instead of sliding, and a refused request is given back, as allauth never records one,
so hammering does not extend the wait beyond the window. A rate not per address (``…/key``,
``…/user``) is left to allauth's own counting.
"""

from __future__ import annotations

from allauth.core.internal import ratelimit as allauth_ratelimit
from django.http import HttpRequest, HttpResponse

from core import ratelimit

APP = "allauth.account"
ACTION = "login"


def refused(request: HttpRequest) -> HttpResponse | None:
    """allauth's 429 answer when this request is over the ``login`` rate, else None (counted)."""
    if request.method == "GET":
        return None
    rates = allauth_ratelimit.get_rates(app=APP, action=ACTION)
    if not rates:
        return None
    if any(rate.per != "ip" for rate in rates):
        return allauth_ratelimit.consume_or_429(request, app=APP, action=ACTION)
    ip = allauth_ratelimit.get_ip(request)
    items = [(f"login-requests:{rate}:{ip}", max(1, int(rate.duration))) for rate in rates]
    for index, (rate, count) in enumerate(zip(rates, ratelimit.hit_many(items), strict=True)):
        if count > rate.amount:
            ratelimit.give_back_many(items[index:])
            return allauth_ratelimit.respond_429(request)
    return None
