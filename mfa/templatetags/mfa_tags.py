"""``{% load mfa_tags %}{% step_up_fields "withdrawal" %}`` inside any sensitive form.

Renders what the customer needs to pass ``second_factor_verify`` for that action:
a code field (``code``), the hidden ``assertion`` with a "use a passkey" button when
the customer has one, and — for customers without an authenticator — a button that
texts a step-up code for this action and comes back to the page.  The view passes
``request.POST.get("code")`` / ``json.loads(request.POST.get("assertion") or "null")``
to its service, which calls ``second_factor_verify`` itself.
"""

from __future__ import annotations

from typing import Any

from django import template

from .. import conf, selectors

register = template.Library()


@register.inclusion_tag("madoguchi_mfa/_step_up_fields.html", takes_context=True)
def step_up_fields(context: dict[str, Any], action: str, error: str = "") -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    state = (
        selectors.two_factor_state(user)
        if user is not None and user.is_authenticated
        else {"totp": False, "passkeys": 0, "recovery_codes_left": 0}
    )
    has_authenticator = bool(state["totp"] or state["passkeys"])
    return {
        "request": request,
        "action": action,
        "error": error,
        "has_passkey": bool(state["passkeys"]),
        "has_authenticator": has_authenticator,
        "sms_step_up": not has_authenticator and bool(getattr(user, "phone", None)),
        "sms_allowed": action in selectors.STEP_UP_ACTIONS
        and not (conf.is_money_out(action) and conf.get("ENROLMENT_REQUIRED")),
    }
