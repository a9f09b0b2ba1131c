"""A verified mobile number on every account: the sign-up (and sign-in) stage that proves it.

``PhoneVerifyStage`` (key ``verify_mobile``) runs after allauth's email verification stage
(the accounts adapter puts it there, in place of allauth's own phone stage):

- at sign-up, the number typed on the form waits in ``User.phone_pending``; a 6-digit code
  is texted to it and the sign-up completes only once the code is entered;
- a number that already belongs to another account behaves exactly the same on the
  newcomer's side (same page, same limits), but no SMS is sent: the owner is told by email
  in their language, and the newcomer can finish only by changing to a number they control;
- an older account without a phone (the former taken-number bypass) and without an
  authenticator must add and verify a number before its sign-in completes.

Only numbers that pass ``accounts.phone.normalize_mobile_phone`` are texted (Japanese
mobiles by default), and every send goes through ``mfa.services.sms_code_send`` (budgets,
velocity limits, honest refusals).
"""

from __future__ import annotations

from typing import Any

from allauth.account.stages import LoginStage
from allauth.core.internal.httpkit import headed_redirect_response
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.errors import AccountErrorCode
from accounts.models import User
from core.audit import audit_log
from core.errors import ApplicationError, CommonErrorCode
from core.notify import send_email
from mfa import services as mfa_services
from mfa.internal import authenticators
from mfa.models import SmsCode

from .phone import mask_phone, normalize_mobile_phone

STAGE_KEY = "verify_mobile"
PURPOSE = "verify_phone"
OWNER_NOTICE_SECONDS = 3600


def _has_authenticator(user: User) -> bool:
    return authenticators.has_second_factor(user)


def needs_phone_verification(user: User, *, signup: bool) -> bool:
    if user is None or getattr(user, "phone", None):
        return False
    # A sign-up always proves its number; an older account without a phone must add one
    # unless an authenticator already gives it a second step.
    return signup or bool(getattr(user, "phone_pending", "")) or not _has_authenticator(user)


def phone_verified_in_this_login(login: Any) -> bool:
    stages = (getattr(login, "state", None) or {}).get("stages", {})
    return bool(stages.get(STAGE_KEY, {}).get("data", {}).get("verified"))


# --- services -----------------------------------------------------------------------------


def _no_phone() -> ApplicationError:
    message = _("Enter your mobile phone number.")
    return ApplicationError(CommonErrorCode.NO_PHONE, message, status=400, fields={"phone": [message]})


def phone_verification_send(*, user: User, request: HttpRequest | None = None) -> None:
    """Text a code to the pending number, or, when it belongs to someone else, tell the
    owner instead; the newcomer's side is the same either way (``sms_code_send`` errors)."""
    number = getattr(user, "phone_pending", "") or ""
    if not number:
        raise _no_phone()
    owner = get_user_model().objects.filter(phone=number).exclude(pk=user.pk).first()
    mfa_services.sms_code_send(user=user, purpose=PURPOSE, request=request, to=number, deliver=owner is None)
    if owner is not None:
        audit_log(user=user, event="signup.phone_taken", request=request, visible_to_customer=False)
        if cache.add(f"accounts:phone-taken-notice:{owner.pk}", 1, timeout=OWNER_NOTICE_SECONDS):
            send_email(user=owner, kind="phone_signup_attempt", context={})
            audit_log(user=owner, event="signup.phone_taken_attempt", request=request)


def phone_verification_change(*, user: User, phone: str, request: HttpRequest | None = None) -> str:
    """A new number for the pending verification (typo, or a number they do control)."""
    try:
        number = normalize_mobile_phone(phone)
    except ValidationError as exc:
        message = " ".join(str(m) for m in exc.messages)
        raise ApplicationError(
            AccountErrorCode(exc.code) if exc.code else AccountErrorCode.INVALID_PHONE,
            message,
            status=400,
            fields={"phone": [message]},
        ) from exc
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if number != user.phone_pending:
            user.phone_pending = number
            user.save(update_fields=["phone_pending"])
            # The code for the old number must not confirm the new one, and its cooldown is
            # not the new number's (the budgets per account, number and block still count).
            SmsCode.objects.filter(user=user, purpose=PURPOSE).delete()
    audit_log(user=user, event="signup.phone_changed", request=request, visible_to_customer=False)
    phone_verification_send(user=user, request=request)
    return number


def phone_verification_confirm(*, user: User, code: str, request: HttpRequest | None = None) -> str:
    """The code from the pending number: the number becomes the account's phone."""
    number = getattr(user, "phone_pending", "") or ""
    if not number:
        raise _no_phone()
    try:
        mfa_services.sms_code_verify(user=user, purpose=PURPOSE, code=code, confirms=True, request=request)
    except ApplicationError as exc:
        audit_log(user=user, event="signup.phone_code_failed", request=request, visible_to_customer=False)
        raise ApplicationError(exc.code, exc.message, status=exc.status, fields={"code": [exc.message]}) from exc
    unavailable = ApplicationError(
        CommonErrorCode.PHONE_UNAVAILABLE,
        _("This phone number cannot be used. Enter another mobile number."),
        status=400,
        fields={"phone": [_("This phone number cannot be used. Enter another mobile number.")]},
    )
    try:
        with transaction.atomic():
            locked = get_user_model().objects.select_for_update().get(pk=user.pk)
            if get_user_model().objects.filter(phone=number).exclude(pk=user.pk).exists():
                raise unavailable
            locked.phone = number
            locked.phone_pending = ""
            locked.save(update_fields=["phone", "phone_pending"])
    except IntegrityError as exc:  # another account verified it a moment ago
        raise unavailable from exc
    user.phone, user.phone_pending = number, ""
    audit_log(user=user, event="phone.verified", request=request)
    return number


# --- the login stage ----------------------------------------------------------------------


class PhoneVerifyStage(LoginStage):
    key = STAGE_KEY
    urlname = "accounts:phone_verify"

    def handle(self) -> tuple[Any, bool]:
        user = self.login.user
        if not needs_phone_verification(user, signup=bool(getattr(self.login, "signup", False))):
            return None, True
        if not self.state.get("started"):
            self.state["started"] = True
            if user.phone_pending:
                try:
                    phone_verification_send(user=user, request=self.request)
                except ApplicationError as exc:
                    self.state["notice"] = exc.message
        return headed_redirect_response(self.urlname), True


def stage_context(stage: Any) -> dict[str, Any]:
    user = stage.login.user
    return {
        "phone_masked": mask_phone(getattr(user, "phone_pending", "") or ""),
        "has_pending": bool(getattr(user, "phone_pending", "")),
        "notice": stage.state.get("notice") or "",
    }


def stage_complete(stage: Any, request: HttpRequest) -> Any:
    from allauth.account.internal.flows.login import record_authentication

    stage.state["verified"] = True
    # The code to a number only its holder can read is this sign-in's second step.
    record_authentication(request, stage.login.user, "sms")
    return stage.exit()
