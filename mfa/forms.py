"""Plain forms for the mfa pages; every check happens in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

_CODE_ATTRS = {
    "autocomplete": "one-time-code",
    "inputmode": "numeric",
    "autocapitalize": "off",
    "spellcheck": "false",
    "class": "code-input",
}


def code_field(label: Any, *, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, max_length=20, required=required, widget=forms.TextInput(attrs=_CODE_ATTRS))


class StepUpMixin(forms.Form):
    """A second-factor code, or a passkey assertion filled in by the page's script."""

    assertion = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20000)

    def step_up(self) -> dict[str, Any]:
        import json

        raw = self.cleaned_data.get("assertion") or ""
        assertion = None
        if raw:
            try:
                assertion = json.loads(raw)
            except ValueError:
                assertion = {"invalid": True}
        return {"code": self.cleaned_data.get("code") or None, "assertion": assertion}


class CodeForm(StepUpMixin):
    code = code_field(_("Code from your authenticator app (or a recovery code)"), required=False)


class TotpSetupForm(forms.Form):
    code = code_field(_("6-digit code shown in the app"))

    def __init__(self, *args: Any, step_up: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if step_up:
            self.fields["step_up_code"] = code_field(_("Confirmation code sent by SMS (or from your passkey)"))


class SmsLoginForm(forms.Form):
    code = code_field(_("6-digit code sent by SMS"))


class AntiPhishingForm(StepUpMixin):
    value = forms.CharField(label=_("Anti-phishing code"), max_length=20, required=False)
    code = code_field(_("Two-factor code"), required=False)


class EmailChangeForm(StepUpMixin):
    new_email = forms.EmailField(label=_("New email address"))
    code = code_field(_("Two-factor code"), required=False)


class PhoneChangeForm(StepUpMixin):
    new_phone = forms.CharField(label=_("New mobile phone number"), max_length=30)
    code = code_field(_("Two-factor code"), required=False)


class ConfirmForm(forms.Form):
    confirmation = code_field(_("Code we sent to the new address or number"))


class PasswordChangeForm(StepUpMixin):
    current_password = forms.CharField(
        label=_("Current password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    code = code_field(_("Two-factor code"), required=False)


class PasskeyManageForm(StepUpMixin):
    passkey = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("New name"), max_length=100, required=False)
    code = code_field(_("Two-factor code"), required=False)


class SessionsEndForm(StepUpMixin):
    session = forms.IntegerField(required=False, widget=forms.HiddenInput)
    code = code_field(_("Two-factor code"), required=False)
