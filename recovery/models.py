"""Recovery: password-reset grants, self-service 2FA recovery, identity-verified cases."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PasswordResetGrant(models.Model):
    """A reset link we emailed after the SMS step (or directly when no phone is registered).

    The token itself is never stored: only its SHA-256. The link works once, for
    MADOGUCHI_RECOVERY_RESET_LINK_HOURS, and only while its grant row says so.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # False for a phone account whose link was requested without the SMS step (the headless
    # API): the link works only after POST /api/v1/recovery/password-reset/sms-verify.
    sms_verified = models.BooleanField(default=True)


class AuthenticatorRecovery(models.Model):
    """'I can't use my authenticator': an emailed link plus an SMS code to the registered contacts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)


class IdentityCase(models.Model):
    class Purpose(models.TextChoices):
        TWO_FACTOR_RESET = "two_factor_reset", _("Reset two-factor authentication")
        FREEZE_LIFT = "freeze_lift", _("Lift the account freeze")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for review")
        AWAITING_SECOND_APPROVAL = "awaiting_second_approval", _("Waiting for a second reviewer")
        REJECTED = "rejected", _("Rejected: please send a new photo")
        APPROVED = "approved", _("Approved")
        CLOSED = "closed", _("Closed")

    OPEN_STATUSES = (Status.SUBMITTED, Status.AWAITING_SECOND_APPROVAL, Status.REJECTED)
    REVIEWABLE_STATUSES = (Status.SUBMITTED, Status.AWAITING_SECOND_APPROVAL)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="identity_cases")
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    backend = models.CharField(max_length=64, default="id_selfie")

    full_name = models.CharField(max_length=150)
    full_name_kana = models.CharField(max_length=150, blank=True)
    address = models.CharField(max_length=300)
    date_of_birth = models.DateField()
    registered_phone = models.CharField(max_length=20)
    phone_changed = models.BooleanField(default=False)
    new_phone = models.CharField(max_length=20, blank=True)
    emails = models.JSONField(default=list)

    warnings = models.JSONField(default=list, blank=True)  # pre-check problems of the latest photo
    submissions = models.PositiveIntegerField(default=1)
    first_submitted_at = models.DateTimeField()
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    turnaround_seconds = models.PositiveIntegerField(null=True, blank=True)
    rejection_reasons = models.JSONField(default=list, blank=True)
    rejection_note = models.TextField(blank=True)
    first_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    images_deleted_at = models.DateTimeField(null=True, blank=True)
    # the reviewer working on the case (claimed from the staff list)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submitted_at"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="idcase_queue")]

    def __str__(self) -> str:
        return f"IdentityCase {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


def _document_path(instance: IdentityDocument, filename: str) -> str:
    # Never the customer's file name: a random name with the sniffed extension.
    extension = filename.rsplit(".", 1)[-1]
    return f"recovery/id-selfies/{uuid.uuid4().hex}.{extension}"


class IdentityDocument(models.Model):
    """One ID-selfie photo, decoded and re-encoded (no metadata), in private storage."""

    case = models.ForeignKey(IdentityCase, on_delete=models.CASCADE, related_name="documents")
    submission = models.PositiveIntegerField()
    file = models.FileField(upload_to=_document_path, max_length=200, blank=True)
    content_type = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    problems = models.JSONField(default=list, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submission", "-id"]


class CaseDecision(models.Model):
    class Decision(models.TextChoices):
        FIRST_APPROVAL = "first_approval", _("First approval")
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")

    case = models.ForeignKey(IdentityCase, on_delete=models.CASCADE, related_name="decisions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    reasons = models.JSONField(default=list, blank=True)
    note = models.TextField(blank=True)
    submission = models.PositiveIntegerField()
    waited_seconds = models.PositiveIntegerField()  # from that submission to this decision
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class CaseCorrection(models.Model):
    """The customer corrected the details of a case rejected for "details do not match":
    what each changed field said before and says now (staff see the history)."""

    case = models.ForeignKey(IdentityCase, on_delete=models.CASCADE, related_name="corrections")
    submission = models.PositiveIntegerField()  # the submission these corrected details belong to
    changed = models.JSONField(default=dict)  # field -> {"before": ..., "after": ...}
    new_photo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
