from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.forms import ResetPasswordForm
from core.captcha import CaptchaWidget

from . import services
from .messages import REJECTION_REASONS
from .models import IdentityCase


class PasswordResetRequestForm(ResetPasswordForm):
    """allauth's reset form (with our captcha) whose save() runs the SMS-first flow.

    Configured as ACCOUNT_FORMS["reset_password"], so allauth's own page uses it too.
    """

    def save(self, request: HttpRequest, **kwargs: Any) -> str:
        email: str = self.cleaned_data["email"]
        services.password_reset_request(request=request, email=email, users=list(self.users))
        return email


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class FreezeRequestForm(forms.Form):
    email = forms.EmailField(label=_("Registered email address"))
    # Verified once, by the service (a solution works only once).
    captcha = forms.CharField(label=_("Security check"), widget=CaptchaWidget, required=False)


class IdentityDetailsForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    full_name_kana = forms.CharField(label=_("Full name (kana)"), max_length=150, required=False)
    address = forms.CharField(label=_("Registered address"), max_length=300)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    registered_phone = forms.CharField(label=_("Registered phone number"), max_length=30)
    phone_changed = forms.BooleanField(label=_("My phone number has changed"), required=False)
    new_phone = forms.CharField(label=_("New phone number"), max_length=30, required=False)
    emails = forms.CharField(
        label=_("Every email address you may have registered with (one per line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class IdentityCaseForm(IdentityDetailsForm):
    purpose = forms.ChoiceField(label=_("What do you need?"), choices=IdentityCase.Purpose.choices)
    image = forms.FileField(
        label=_("ID selfie"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    field_order = ["purpose"]


class CorrectionForm(IdentityDetailsForm):
    """The details again, pre-filled with what the case says, and a photo when needed."""

    image = forms.FileField(
        label=_("New ID selfie"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class ResubmitForm(forms.Form):
    image = forms.FileField(
        label=_("New ID selfie"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reasons = forms.MultipleChoiceField(
        label=_("Reasons (for a rejection)"),
        choices=list(REJECTION_REASONS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Reviewer's note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    # The checkbox's value is the new number shown on the page: approving confirms that number.
    confirm_new_phone = forms.CharField(required=False, max_length=30)
