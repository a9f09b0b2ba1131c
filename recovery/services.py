"""Recovery services: the only writers. Checks (rate limits, roles, states) live here."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from allauth.account.internal.flows import password_reset as allauth_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.normalize import normalize_email
from accounts.phone import normalize_phone
from accounts.roles import IDENTITY_REVIEWER, require_role
from core import ratelimit
from core.audit import audit_log
from core.captcha import verify_or_raise
from core.errors import ApplicationError, validation_failed
from core.notify import send_email
from core.tasks import enqueue_padding
from core.uploads import IMAGE_KINDS, SanitisedUpload, sanitise_upload
from mfa import conf as mfa_conf
from mfa import services as mfa_services

from . import conf
from .backends import get_backend
from .idcheck import PrecheckConfig, PrecheckResult, precheck_id_selfie
from .messages import REJECTION_REASONS
from .models import (
    AuthenticatorRecovery,
    CaseCorrection,
    CaseDecision,
    IdentityCase,
    IdentityDocument,
    PasswordResetGrant,
)
from .tokens import sms_verified_for

RESET_SESSION_KEY = "recovery.password_reset"
CASE_ACCESS_SESSION_KEY = "recovery.case_access"
FREEZE_SALT = "recovery.freeze-link"
RESUBMIT_SALT = "recovery.resubmit-link"
RESET_SMS_PURPOSE = "password_reset"
SELF_SERVICE_SMS_PURPOSE = "authenticator_lost"


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _site(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _ip_key(request: HttpRequest | None) -> str:
    return ratelimit.client_ip(request) or "unknown"


# =========================================================================== password reset


def _reset_sms_attempt(*, request: HttpRequest, email: str, user: Any) -> str:
    """Text a reset code when allowed; returns "" when a code went out, or the truthful notice.

    The budget and the cooldown are kept per typed address, for every address alike, so the
    page reads the same whether or not an account exists (and whether it has a phone).
    Reset codes draw on the account's "anonymous" SMS budget, never on its sign-in budget.
    """
    from core.sms import Budget, SmsNotSent, budgets_take

    now = timezone.now()
    address = email.lower()
    last_key = f"recovery:reset-sms-last:{_sha256(address)}"
    last = cache.get(last_key)
    last_at = dt.datetime.fromtimestamp(float(last), tz=dt.UTC) if last else None
    still_valid = last_at if last_at and now - last_at < dt.timedelta(seconds=mfa_conf.get("SMS_CODE_TTL")) else None
    cooldown = int(mfa_conf.get("SMS_RESEND_COOLDOWN"))
    if last_at is not None and (now - last_at).total_seconds() < cooldown:
        return mfa_services.sms_not_sent_message(
            valid_since=still_valid, retry_at=last_at + dt.timedelta(seconds=cooldown)
        )
    limit = int(dict(mfa_conf.get("SMS_CAPS")).get("anonymous", 3))
    try:
        budgets_take([Budget("reset_address", address, limit, 3600)], now=now)
    except SmsNotSent as exc:
        return mfa_services.sms_not_sent_message(valid_since=still_valid, retry_at=exc.retry_at)
    cache.set(last_key, now.timestamp(), timeout=3600)
    if user is not None and user.phone:
        try:
            mfa_services.sms_code_send(user=user, purpose=RESET_SMS_PURPOSE, request=request)
        except ApplicationError:
            # The account's own anonymous budget (also drawn on by the headless reset):
            # the previous code stays valid; the answer must not differ.
            pass
    return ""


def password_reset_request(*, request: HttpRequest, email: str, users: list[Any]) -> None:
    """Step 1 (after the captcha): the same visible outcome whether or not the address exists.

    Account with a phone: an SMS code now, the emailed link only after the code (step 2).
    Account without a phone: the emailed link now. Unknown address: allauth's
    "no account with this address" email, and a code step that never succeeds.
    """
    user = users[0] if users else None
    if user is None:
        allauth_reset.request_password_reset(request, email, [], None)
    elif not user.phone:
        _password_reset_link_send(request=request, user=user, email=email)
    notice = _reset_sms_attempt(request=request, email=email, user=user)
    if user is not None:
        audit_log(user=user, event="password_reset.requested", request=request, data={"sms": bool(user.phone)})
    request.session[RESET_SESSION_KEY] = {"uid": user.pk if user else None, "email": email, "notice": notice}


def password_reset_code_verify(*, request: HttpRequest, code: str) -> None:
    """Step 2: the SMS code; on success the single-use 24-hour link is emailed."""
    state = request.session.get(RESET_SESSION_KEY)
    if not isinstance(state, dict):
        raise ApplicationError("reset_not_started", _("Please start the password reset again."), status=400)
    ratelimit.check(f"recovery:reset-code:ip:{_ip_key(request)}", limit=30, period=600)
    ratelimit.check(f"recovery:reset-code:email:{state.get('email')}", limit=10, period=600)
    uid = state.get("uid")
    user = get_user_model().objects.filter(pk=uid).first() if uid else None
    if user is None or not user.phone:
        raise ApplicationError("sms_code_invalid", _("The code is not correct."), status=400)
    mfa_services.sms_code_verify(user=user, purpose=RESET_SMS_PURPOSE, code=(code or "").strip())
    _password_reset_link_send(request=request, user=user, email=state["email"])
    audit_log(user=user, event="password_reset.sms_verified", request=request)
    request.session[RESET_SESSION_KEY] = {**state, "verified": True}


def password_reset_code_resend(*, request: HttpRequest) -> str:
    """A new reset code. Returns "" when one went out, otherwise what the page should say
    (the earlier code is still valid / when a new one can be sent); never raises for that."""
    state = request.session.get(RESET_SESSION_KEY)
    if not isinstance(state, dict):
        raise ApplicationError("reset_not_started", _("Please start the password reset again."), status=400)
    ratelimit.check(f"recovery:reset-resend:ip:{_ip_key(request)}", limit=10, period=3600)
    uid = state.get("uid")
    user = get_user_model().objects.filter(pk=uid).first() if uid else None
    notice = _reset_sms_attempt(request=request, email=str(state.get("email") or ""), user=user)
    request.session[RESET_SESSION_KEY] = {**state, "notice": notice}
    return notice


def password_reset_key_sms_verify(*, key: str, code: str, request: HttpRequest | None = None) -> None:
    """Headless reset of a phone account: confirm the SMS code with the emailed key
    (``<uidb36>-<token>``, the value allauth's headless ``/auth/password/reset`` takes)."""
    from allauth.account.utils import url_str_to_user_pk

    from .tokens import PasswordResetTokenGenerator, token_hash

    ratelimit.check(f"recovery:reset-key-sms:ip:{_ip_key(request)}", limit=30, period=600)
    invalid = ApplicationError("link_invalid", _("This link is invalid or has expired."), status=400)
    uidb36, _sep, token = (key or "").partition("-")
    try:
        user = get_user_model().objects.filter(pk=url_str_to_user_pk(uidb36)).first()
    except (ValueError, TypeError):
        user = None
    if user is None or not PasswordResetTokenGenerator().check_token_ignoring_sms(user, token):
        raise invalid
    ratelimit.check(f"recovery:reset-key-sms:user:{user.pk}", limit=10, period=600)
    mfa_services.sms_code_verify(user=user, purpose=RESET_SMS_PURPOSE, code=(code or "").strip())
    PasswordResetGrant.objects.filter(user=user, token_hash=token_hash(token), used_at__isnull=True).update(
        sms_verified=True
    )
    audit_log(user=user, event="password_reset.sms_verified", request=request, data={"via": "api"})


def _password_reset_link_send(*, request: HttpRequest, user: Any, email: str) -> None:
    # allauth builds and emails the link; our token generator records the grant.
    with sms_verified_for(user):
        allauth_reset.request_password_reset(request, email, [user], None)


def password_reset_completed(*, user: Any, request: HttpRequest | None) -> None:
    """After allauth set the new password: every link dies, sessions end, withdrawals held.

    2FA is left exactly as it was: a reset never removes a second factor.
    """
    PasswordResetGrant.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
    account_services.sessions_end_all(user=user, request=request)
    account_services.withdrawal_hold_set(
        user=user, hours=conf.get("RESET_HOLD_HOURS"), reason="password_reset", request=request
    )
    audit_log(user=user, event="password.reset", request=request)
    if request is not None and hasattr(request, "session"):
        request.session.pop(RESET_SESSION_KEY, None)


# =========================================================================== 2FA self-service


def authenticator_lost_start(*, user: Any, request: HttpRequest | None = None) -> None:
    """From the 2FA step (password already checked): email a link and text a code.

    Refused while the account is frozen: a freeze stops security changes, and only an
    identity case (which lifts the freeze) may remove 2FA then.
    """
    account_services.ensure_not_frozen(user)
    if not user.phone:
        raise ApplicationError(
            "no_phone",
            _("No phone number is registered on this account. Please use identity verification instead."),
            status=400,
        )
    ratelimit.check(f"recovery:self-service:{user.pk}", limit=3, period=3600)
    token = secrets.token_urlsafe(32)
    minutes = conf.get("SELF_SERVICE_LINK_MINUTES")
    with transaction.atomic():
        AuthenticatorRecovery.objects.create(
            user=user, token_hash=_sha256(token), expires_at=timezone.now() + dt.timedelta(minutes=minutes)
        )
        send_email(
            user=user,
            kind="authenticator_lost_link",
            context={"link": _site(reverse("recovery:authenticator_lost_confirm", args=[token])), "minutes": minutes},
        )
        mfa_services.sms_code_send(user=user, purpose=SELF_SERVICE_SMS_PURPOSE, request=request)
        audit_log(user=user, event="recovery.self_service_started", request=request)


def authenticator_recovery_for_token(token: str) -> AuthenticatorRecovery:
    recovery = AuthenticatorRecovery.objects.select_related("user").filter(token_hash=_sha256(token or "")).first()
    if recovery is None or recovery.completed_at is not None or recovery.expires_at <= timezone.now():
        raise ApplicationError(
            "link_invalid", _("This link is invalid or has expired. Please start again from sign-in."), status=400
        )
    return recovery


def authenticator_lost_complete(*, token: str, code: str, request: HttpRequest | None = None) -> Any:
    """Link + SMS code verified: remove every authenticator, hold withdrawals, email a freeze link."""
    recovery = authenticator_recovery_for_token(token)
    user = recovery.user
    account_services.ensure_not_frozen(user)
    ratelimit.check(f"recovery:self-service-code:{recovery.pk}", limit=10, period=3600)
    mfa_services.sms_code_verify(user=user, purpose=SELF_SERVICE_SMS_PURPOSE, code=(code or "").strip())
    hours = conf.get("SELF_SERVICE_HOLD_HOURS")
    with transaction.atomic():
        updated = AuthenticatorRecovery.objects.filter(pk=recovery.pk, completed_at__isnull=True).update(
            completed_at=timezone.now()
        )
        if not updated:
            raise ApplicationError("link_invalid", _("This link has already been used."), status=400)
        mfa_services.two_factor_remove_all(user=user, reason="self_service_recovery", request=request)
        account_services.withdrawal_hold_set(
            user=user, hours=hours, reason="two_factor_self_service_recovery", request=request
        )
        audit_log(user=user, event="recovery.self_service_completed", request=request, data={"hold_hours": hours})
        send_email(
            user=user,
            kind="authenticator_recovered",
            context={
                "freeze_url": freeze_link(user),
                "hold_hours": hours,
                "setup_url": _site("/security/"),
            },
        )
    return user


# =========================================================================== freeze


def freeze_link(user: Any) -> str:
    token = signing.dumps({"u": user.pk}, salt=FREEZE_SALT, compress=True)
    return _site(reverse("recovery:freeze_confirm", args=[token]))


def freeze_now(*, user: Any, request: HttpRequest | None = None, reason: str = "customer_request") -> bool:
    """Signed-in one-click freeze. Other sessions end (a thief's phone is signed out)."""
    frozen = account_services.account_freeze(user=user, reason=reason, request=request)
    keep = request.session.session_key if request is not None and hasattr(request, "session") else None
    account_services.sessions_end_all(user=user, except_session_key=keep, request=request)
    return frozen


def freeze_request(*, email: str, captcha: str | None, request: HttpRequest | None) -> None:
    """Signed out: email a one-click freeze link. Same answer whether or not the address exists."""
    verify_or_raise(captcha, request)
    ratelimit.check(f"recovery:freeze-request:ip:{_ip_key(request)}", limit=10, period=3600)
    address = normalize_email(email or "")
    ratelimit.check(f"recovery:freeze-request:email:{address.lower()}", limit=3, period=3600)
    user = get_user_model().objects.filter(email__iexact=address, is_active=True).first()
    if user is None:
        # The same work as the other branch (a signed link, a queued task, an audit row), so
        # the answer takes as long whether or not the address has an account.
        signing.dumps({"u": 0}, salt=FREEZE_SALT, compress=True)
        enqueue_padding()
        audit_log(user=None, event="account.freeze_link_unknown_address", request=request, visible_to_customer=False)
        return
    send_email(user=user, kind="freeze_link", context={"freeze_url": freeze_link(user)})
    audit_log(user=user, event="account.freeze_link_sent", request=request)


def user_for_freeze_token(token: str) -> Any:
    try:
        data = signing.loads(token, salt=FREEZE_SALT, max_age=dt.timedelta(days=conf.get("FREEZE_LINK_DAYS")))
    except signing.BadSignature as error:
        raise ApplicationError(
            "link_invalid", _("This freeze link is invalid or has expired. Request a new one."), status=400
        ) from error
    user = get_user_model().objects.filter(pk=data.get("u")).first()
    if user is None:
        raise ApplicationError("link_invalid", _("This freeze link is invalid or has expired."), status=400)
    return user


def freeze_by_link(*, token: str, request: HttpRequest | None = None) -> Any:
    user = user_for_freeze_token(token)
    account_services.account_freeze(user=user, reason="customer_link", request=request)
    account_services.sessions_end_all(user=user, request=request)
    return user


# =========================================================================== identity cases


def precheck_config() -> PrecheckConfig:
    return PrecheckConfig(
        max_bytes=conf.get("SELFIE_MAX_BYTES"),
        max_pixels=conf.get("SELFIE_MAX_PIXELS"),
        min_side=conf.get("SELFIE_MIN_SIDE"),
    )


def id_selfie_precheck(*, image: Any, request: HttpRequest | None = None) -> PrecheckResult:
    """Instant feedback; nothing is stored. Rate-limited per address (it costs CPU)."""
    ratelimit.check(f"recovery:precheck:ip:{_ip_key(request)}", limit=30, period=600)
    return precheck_id_selfie(image, config=precheck_config())


def _sanitise_selfie(image: Any) -> SanitisedUpload:
    if image is None:
        raise validation_failed({"image": [_("Please attach your ID selfie.")]})
    return sanitise_upload(
        image,
        allowed=IMAGE_KINDS,
        max_bytes=conf.get("SELFIE_MAX_BYTES"),
        max_pixels=conf.get("SELFIE_MAX_PIXELS"),
        min_side=conf.get("SELFIE_MIN_SIDE"),
    )


def _clean_details(details: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name in ("full_name", "address"):
        value = " ".join(str(details.get(name) or "").split())
        if not value:
            errors[name] = [_("This field is required.")]
        clean[name] = value[:300]
    clean["full_name_kana"] = " ".join(str(details.get("full_name_kana") or "").split())[:150]
    dob = details.get("date_of_birth")
    if isinstance(dob, str):
        try:
            dob = dt.date.fromisoformat(dob)
        except ValueError:
            dob = None
    if not isinstance(dob, dt.date) or not (dt.date(1900, 1, 1) <= dob <= timezone.localdate()):
        errors["date_of_birth"] = [_("Enter a valid date of birth.")]
    clean["date_of_birth"] = dob
    for name, required in (("registered_phone", True), ("new_phone", bool(details.get("phone_changed")))):
        raw = str(details.get(name) or "").strip()
        if not raw:
            if required:
                errors[name] = [_("This field is required.")]
            clean[name] = ""
            continue
        try:
            clean[name] = normalize_phone(raw)
        except ValidationError:
            errors[name] = [_("Enter a valid phone number.")]
    clean["phone_changed"] = bool(details.get("phone_changed"))
    emails = details.get("emails") or []
    if isinstance(emails, str):
        emails = emails.replace(",", "\n").splitlines()
    emails = [normalize_email(str(e)) for e in emails if str(e).strip()]
    if not emails or len(emails) > 5 or any("@" not in e for e in emails):
        errors["emails"] = [_("Enter every email address you may have registered with (one to five).")]
    clean["emails"] = emails[:5]
    if errors:
        raise validation_failed(errors)
    return clean


def _store_document(
    *, case: IdentityCase, clean: SanitisedUpload, precheck: PrecheckResult, submission: int
) -> IdentityDocument:
    from django.core.files.base import ContentFile

    document = IdentityDocument(
        case=case,
        submission=submission,
        content_type=clean.content_type,
        sha256=clean.sha256,
        size=clean.size,
        width=clean.width or 0,
        height=clean.height or 0,
        problems=precheck.problems,
        metrics=precheck.metrics,
    )
    document.file.save(f"selfie.{clean.extension}", ContentFile(clean.content), save=False)
    document.save()
    return document


def identity_case_submit(
    *,
    user: Any,
    purpose: str,
    details: dict[str, Any],
    image: Any,
    request: HttpRequest | None = None,
) -> IdentityCase:
    """A new case, or the resubmission of a rejected one for the same purpose."""
    ratelimit.check(f"recovery:case-submit:{user.pk}", limit=10, period=3600)
    if purpose not in IdentityCase.Purpose.values:
        raise validation_failed({"purpose": [_("Choose what you need.")]})
    if purpose == IdentityCase.Purpose.FREEZE_LIFT and user.frozen_at is None:
        raise ApplicationError("not_frozen", _("Your account is not frozen."), status=400)
    clean_details = _clean_details(details)
    existing = IdentityCase.objects.filter(user=user, purpose=purpose, status__in=IdentityCase.OPEN_STATUSES).first()
    if existing is not None and existing.status != IdentityCase.Status.REJECTED:
        raise ApplicationError(
            "case_in_review", _("Your identity case is already being reviewed. We will email you."), status=409
        )
    clean = _sanitise_selfie(image)  # before any write: a refused file leaves nothing behind
    precheck = precheck_id_selfie(clean.content, config=precheck_config())
    if existing is not None:
        return _resubmit(case=existing, clean=clean, precheck=precheck, details=clean_details, request=request)
    now = timezone.now()
    with transaction.atomic():
        case = IdentityCase.objects.create(
            user=user,
            purpose=purpose,
            backend=get_backend().name,
            warnings=precheck.problems,
            first_submitted_at=now,
            submitted_at=now,
            **clean_details,
        )
        _store_document(case=case, clean=clean, precheck=precheck, submission=1)
        get_backend().on_submitted(case, request=request)
        audit_log(
            user=user,
            event="identity_case.submitted",
            request=request,
            data={"case": str(case.pk), "purpose": purpose, "warnings": precheck.problems},
        )
        send_email(user=user, kind="identity_case_received", context={"reference": case_reference(case)})
    return case


def identity_case_resubmit(
    *,
    case: IdentityCase,
    image: Any,
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> IdentityCase:
    ratelimit.check(f"recovery:case-submit:{case.user_id}", limit=10, period=3600)
    if case.status != IdentityCase.Status.REJECTED:
        raise ApplicationError("case_not_rejected", _("This case is not waiting for a new photo."), status=409)
    clean_details = _clean_details(details) if details else None
    clean = _sanitise_selfie(image)
    precheck = precheck_id_selfie(clean.content, config=precheck_config())
    return _resubmit(case=case, clean=clean, precheck=precheck, details=clean_details, request=request)


def _resubmit(
    *,
    case: IdentityCase,
    clean: SanitisedUpload,
    precheck: PrecheckResult,
    details: dict[str, Any] | None,
    request: HttpRequest | None,
) -> IdentityCase:
    with transaction.atomic():
        locked = IdentityCase.objects.select_for_update().get(pk=case.pk)
        if locked.status != IdentityCase.Status.REJECTED:
            raise ApplicationError("case_not_rejected", _("This case is not waiting for a new photo."), status=409)
        locked.submissions += 1
        locked.status = IdentityCase.Status.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.warnings = precheck.problems
        locked.first_approver = None
        update = ["submissions", "status", "submitted_at", "warnings", "first_approver"]
        for name, value in (details or {}).items():
            setattr(locked, name, value)
            update.append(name)
        locked.save(update_fields=update)
        _store_document(case=locked, clean=clean, precheck=precheck, submission=locked.submissions)
        get_backend().on_submitted(locked, request=request)
        audit_log(
            user=locked.user,
            event="identity_case.resubmitted",
            request=request,
            data={"case": str(locked.pk), "submission": locked.submissions, "warnings": precheck.problems},
        )
    return locked


CORRECTABLE_FIELDS = (
    "full_name",
    "full_name_kana",
    "address",
    "date_of_birth",
    "registered_phone",
    "phone_changed",
    "new_phone",
    "emails",
)
DETAILS_MISMATCH = "details_mismatch"


def correction_allowed(case: IdentityCase) -> bool:
    """A case rejected because the details did not match our records can be corrected."""
    return case.status == IdentityCase.Status.REJECTED and DETAILS_MISMATCH in (case.rejection_reasons or [])


def correction_needs_photo(case: IdentityCase) -> bool:
    """A new photo is needed too when the photo itself was also a reason for the rejection."""
    return any(r != DETAILS_MISMATCH for r in case.rejection_reasons or [])


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def identity_case_correct(
    *,
    case: IdentityCase,
    details: dict[str, Any],
    image: Any = None,
    request: HttpRequest | None = None,
) -> IdentityCase:
    """The customer corrects the details of a case rejected for "details do not match"
    and sends it back for review (with a new photo when the photo was also refused).

    The case must come from ``selectors.identity_case_for_request`` (the owner). Every
    changed field is kept with its old and new value (``CaseCorrection``) for the reviewer,
    and the correction is audited (field names only).
    """
    ratelimit.check(f"recovery:case-submit:{case.user_id}", limit=10, period=3600)
    if not correction_allowed(case):
        raise ApplicationError(
            "case_not_correctable", _("The details of this case cannot be corrected now."), status=409
        )
    clean_details = _clean_details(details)
    changed = {
        name: {"before": _plain(getattr(case, name)), "after": _plain(clean_details[name])}
        for name in CORRECTABLE_FIELDS
        if _plain(getattr(case, name)) != _plain(clean_details[name])
    }
    if image is None and correction_needs_photo(case):
        raise validation_failed({"image": [_("Please also send a new photo: the photo was one of the reasons.")]})
    if not changed and image is None:
        raise validation_failed(
            {"__all__": [_("Nothing was changed. Correct the details that do not match our records, then send.")]}
        )
    clean = _sanitise_selfie(image) if image is not None else None
    precheck = precheck_id_selfie(clean.content, config=precheck_config()) if clean is not None else None
    with transaction.atomic():
        locked = IdentityCase.objects.select_for_update().get(pk=case.pk)
        if not correction_allowed(locked):
            raise ApplicationError(
                "case_not_correctable", _("The details of this case cannot be corrected now."), status=409
            )
        locked.submissions += 1
        locked.status = IdentityCase.Status.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.first_approver = None
        update = ["submissions", "status", "submitted_at", "first_approver", *CORRECTABLE_FIELDS]
        for name in CORRECTABLE_FIELDS:
            setattr(locked, name, clean_details[name])
        if precheck is not None and clean is not None:
            locked.warnings = precheck.problems
            update.append("warnings")
        locked.save(update_fields=update)
        if precheck is not None and clean is not None:
            _store_document(case=locked, clean=clean, precheck=precheck, submission=locked.submissions)
        CaseCorrection.objects.create(
            case=locked, submission=locked.submissions, changed=changed, new_photo=clean is not None
        )
        get_backend().on_submitted(locked, request=request)
        audit_log(
            user=locked.user,
            event="identity_case.corrected",
            request=request,
            data={
                "case": str(locked.pk),
                "submission": locked.submissions,
                "fields": sorted(changed),
                "new_photo": clean is not None,
            },
        )
    return locked


def case_reference(case: IdentityCase) -> str:
    return f"IDV-{str(case.pk)[:8].upper()}"


def resubmit_link(case: IdentityCase) -> str:
    token = signing.dumps({"c": str(case.pk), "n": case.submissions}, salt=RESUBMIT_SALT, compress=True)
    return _site(reverse("recovery:identity_resubmit_link", args=[case.pk, token]))


def case_for_resubmit_token(*, case_id: Any, token: str) -> IdentityCase:
    try:
        data = signing.loads(token, salt=RESUBMIT_SALT, max_age=dt.timedelta(days=conf.get("RESUBMIT_DAYS")))
    except signing.BadSignature as error:
        raise ApplicationError("link_invalid", _("This link is invalid or has expired."), status=400) from error
    case = IdentityCase.objects.filter(pk=data.get("c")).first()
    if case is None or str(case.pk) != str(case_id) or case.submissions != data.get("n"):
        raise ApplicationError("link_invalid", _("This link is invalid or has expired."), status=400)
    return case


def _lock_for_review(case: IdentityCase) -> IdentityCase:
    locked = IdentityCase.objects.select_for_update().select_related("user").get(pk=case.pk)
    if locked.status not in IdentityCase.REVIEWABLE_STATUSES:
        raise ApplicationError("case_not_reviewable", _("This case has already been decided."), status=409)
    return locked


def _seconds_since(moment: dt.datetime) -> int:
    return max(0, int((timezone.now() - moment).total_seconds()))


def _ensure_new_phone_confirmed(case: IdentityCase, confirmed_new_phone: str | None) -> str | None:
    """A case that says the phone changed is approved only with the reviewer confirming the
    number shown to them; that number becomes the account's phone. None: phone unchanged."""
    if not (case.phone_changed and case.new_phone):
        return None
    try:
        confirmed = normalize_phone(confirmed_new_phone or "") if confirmed_new_phone else ""
    except ValidationError:
        confirmed = ""
    if confirmed != case.new_phone:
        message = _("Check the new phone number against the ID and confirm it before approving.")
        raise ApplicationError(
            "phone_confirmation_required", message, status=400, fields={"confirm_new_phone": [message]}
        )
    taken = get_user_model().objects.filter(phone=case.new_phone).exclude(pk=case.user_id).exists()
    if taken:
        message = _("The new phone number belongs to another account. Contact a supervisor; nothing was changed.")
        raise ApplicationError("phone_unavailable", message, status=409, fields={"confirm_new_phone": [message]})
    return str(case.new_phone)


def _phone_set_by_identity_case(*, user: Any, phone: str, case: IdentityCase, actor: Any, request: Any) -> None:
    """The verified new number replaces the lost one, so the next sign-in texts it.
    (Identity-verified path of the phone change: audited, the customer is emailed.)"""
    if user.phone == phone:
        return
    user.phone = phone
    try:
        with transaction.atomic():
            user.save(update_fields=["phone"])
            # Codes already texted to the lost number stop working with it.
            cancelled = mfa_services.sms_codes_cancel(user=user)
    except IntegrityError as error:  # taken concurrently since the check
        message = _("The new phone number belongs to another account. Contact a supervisor; nothing was changed.")
        raise ApplicationError(
            "phone_unavailable", message, status=409, fields={"confirm_new_phone": [message]}
        ) from error
    audit_log(
        user=user,
        actor=actor,
        event="account.phone_changed",
        request=request,
        data={"by": "identity_case", "case": str(case.pk), "phone_tail": phone[-4:], "sms_codes_cancelled": cancelled},
    )
    send_email(user=user, kind="phone_changed", context={"phone_tail": phone[-4:]})


def identity_case_approve(
    *,
    case: IdentityCase,
    actor: Any,
    note: str = "",
    confirmed_new_phone: str | None = None,
    request: HttpRequest | None = None,
) -> IdentityCase:
    """Approve; with the second-approver rule, the first approval only marks the case.

    When the customer said the phone changed, each approver must confirm the new number
    (``confirmed_new_phone``, the number shown on the review page); the final approval
    sets it as the account's phone."""
    require_role(actor, IDENTITY_REVIEWER)
    if actor.pk == case.user_id:
        raise ApplicationError("permission_denied", _("You cannot review your own case."), status=403)
    with transaction.atomic():
        locked = _lock_for_review(case)
        new_phone = _ensure_new_phone_confirmed(locked, confirmed_new_phone)
        waited = _seconds_since(locked.submitted_at)
        if conf.get("SECOND_APPROVER"):
            if locked.status == IdentityCase.Status.SUBMITTED:
                locked.status = IdentityCase.Status.AWAITING_SECOND_APPROVAL
                locked.first_approver = actor
                locked.save(update_fields=["status", "first_approver"])
                CaseDecision.objects.create(
                    case=locked,
                    actor=actor,
                    decision=CaseDecision.Decision.FIRST_APPROVAL,
                    note=note,
                    submission=locked.submissions,
                    waited_seconds=waited,
                )
                audit_log(
                    user=locked.user,
                    actor=actor,
                    event="identity_case.first_approval",
                    request=request,
                    data={"case": str(locked.pk)},
                    visible_to_customer=False,
                )
                return locked
            if locked.first_approver_id == actor.pk:
                raise ApplicationError(
                    "second_approver_required", _("A different reviewer must give the second approval."), status=403
                )
        now = timezone.now()
        locked.status = IdentityCase.Status.APPROVED
        locked.decided_at = now
        locked.closed_at = now
        locked.turnaround_seconds = _seconds_since(locked.first_submitted_at)
        locked.save(update_fields=["status", "decided_at", "closed_at", "turnaround_seconds"])
        CaseDecision.objects.create(
            case=locked,
            actor=actor,
            decision=CaseDecision.Decision.APPROVE,
            note=note,
            submission=locked.submissions,
            waited_seconds=waited,
        )
        user = locked.user
        if new_phone is not None:
            _phone_set_by_identity_case(user=user, phone=new_phone, case=locked, actor=actor, request=request)
        if locked.purpose == IdentityCase.Purpose.TWO_FACTOR_RESET:
            mfa_services.two_factor_remove_all(user=user, reason="identity_case", actor=actor, request=request)
        else:
            account_services.account_unfreeze(user=user, actor=actor, request=request)
        hours = conf.get("IDENTITY_HOLD_HOURS")
        account_services.withdrawal_hold_set(user=user, hours=hours, reason="identity_case_approved", request=request)
        audit_log(
            user=user,
            actor=actor,
            event="identity_case.approved",
            request=request,
            data={"case": str(locked.pk), "purpose": locked.purpose, "turnaround_seconds": locked.turnaround_seconds},
        )
        send_email(
            user=user,
            kind="identity_case_approved",
            context={
                "reference": case_reference(locked),
                "purpose": locked.purpose,
                "hold_hours": hours,
                "login_url": _site(reverse("account_login")),
                "setup_url": _site("/security/"),
            },
        )
    return locked


def identity_case_reject(
    *,
    case: IdentityCase,
    actor: Any,
    reasons: list[str],
    note: str = "",
    request: HttpRequest | None = None,
) -> IdentityCase:
    require_role(actor, IDENTITY_REVIEWER)
    if actor.pk == case.user_id:
        raise ApplicationError("permission_denied", _("You cannot review your own case."), status=403)
    reasons = [r for r in dict.fromkeys(reasons or []) if r in REJECTION_REASONS]
    if not reasons:
        raise validation_failed({"reasons": [_("Choose at least one reason.")]})
    with transaction.atomic():
        locked = _lock_for_review(case)
        waited = _seconds_since(locked.submitted_at)
        locked.status = IdentityCase.Status.REJECTED
        locked.decided_at = timezone.now()
        locked.rejection_reasons = reasons
        locked.rejection_note = note[:2000]
        locked.first_approver = None
        locked.save(update_fields=["status", "decided_at", "rejection_reasons", "rejection_note", "first_approver"])
        CaseDecision.objects.create(
            case=locked,
            actor=actor,
            decision=CaseDecision.Decision.REJECT,
            reasons=reasons,
            note=note[:2000],
            submission=locked.submissions,
            waited_seconds=waited,
        )
        audit_log(
            user=locked.user,
            actor=actor,
            event="identity_case.rejected",
            request=request,
            data={"case": str(locked.pk), "reasons": reasons},
        )
        # The email names the reasons and links back; the reviewer's note stays on the site.
        send_email(
            user=locked.user,
            kind="identity_case_rejected",
            context={"reference": case_reference(locked), "reasons": reasons, "resubmit_url": resubmit_link(locked)},
        )
    return locked


def identity_retention_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Close abandoned rejected cases, then delete ID images of cases closed long enough ago."""
    now = now or timezone.now()
    stale = IdentityCase.objects.filter(
        status=IdentityCase.Status.REJECTED,
        decided_at__lt=now - dt.timedelta(days=conf.get("RESUBMIT_DAYS")),
    )
    closed = 0
    for case in stale:
        case.status = IdentityCase.Status.CLOSED
        case.closed_at = now
        case.save(update_fields=["status", "closed_at"])
        audit_log(user=case.user, event="identity_case.closed", data={"case": str(case.pk), "why": "not_resubmitted"})
        closed += 1
    cutoff = now - dt.timedelta(days=conf.get("RETENTION_DAYS"))
    deleted = 0
    cases = IdentityCase.objects.filter(closed_at__lt=cutoff, images_deleted_at__isnull=True)
    for case in cases:
        count = 0
        for document in case.documents.filter(deleted_at__isnull=True):
            if document.file:
                document.file.delete(save=False)
            document.deleted_at = now
            document.save(update_fields=["file", "deleted_at"])
            count += 1
        case.images_deleted_at = now
        case.save(update_fields=["images_deleted_at"])
        audit_log(
            user=case.user,
            event="identity_case.images_deleted",
            data={"case": str(case.pk), "images": count},
            visible_to_customer=False,
        )
        deleted += count
    return {"closed": closed, "images_deleted": deleted}


# --------------------------------------------------------------------------- review desk


def identity_case_claim(*, case: IdentityCase, actor: Any, release: bool = False) -> IdentityCase:
    """A reviewer takes an open case (or releases it). Taking over a colleague's case or
    releasing it needs a supervisor. Audited, not shown to the customer."""
    from accounts.roles import SUPERVISOR, has_role

    from . import selectors

    if not selectors.can_review(actor) and not has_role(actor, SUPERVISOR):
        raise ApplicationError("permission_denied", _("Only identity reviewers can take cases."), status=403)
    with transaction.atomic():
        locked = IdentityCase.objects.select_for_update().get(pk=case.pk)
        if locked.status not in IdentityCase.REVIEWABLE_STATUSES:
            raise ApplicationError("case_not_open", _("This case is not waiting for review."), status=409)
        new_id = None if release else actor.pk
        if locked.assignee_id not in (None, actor.pk) and not has_role(actor, SUPERVISOR):
            raise ApplicationError(
                "case_claimed",
                _("Another reviewer is working on this case. Ask a supervisor to reassign it."),
                status=409,
            )
        if locked.assignee_id == new_id:
            return locked
        old = locked.assignee_id
        locked.assignee_id = new_id
        locked.claimed_at = timezone.now() if new_id else None
        locked.save(update_fields=["assignee", "claimed_at"])
        audit_log(
            user=locked.user,
            actor=actor,
            event="identity_case.released" if release else "identity_case.claimed",
            data={"case": case_reference(locked), "previous_assignee": old},
            visible_to_customer=False,
        )
    case.refresh_from_db()
    return case
