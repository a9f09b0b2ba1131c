from __future__ import annotations

from typing import Any

from allauth.account import forms as allauth_forms
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.captcha import CaptchaField

from .normalize import normalize_email


class CaptchaMixin(forms.Form):
    """Adds the captcha, and normalises typed email addresses before allauth validates them."""

    captcha = CaptchaField()
    email_fields = ("email", "login")

    def normalise_email_input(self) -> None:
        if not self.is_bound or not hasattr(self.data, "copy"):
            return
        data = self.data.copy()
        for name in self.email_fields:
            if isinstance(data.get(name), str) and "@" in normalize_email(data[name]):
                data[name] = normalize_email(data[name])
        self.data = data

    def bind_captcha_request(self, request: HttpRequest | None) -> None:
        self.fields["captcha"].request = request  # type: ignore[attr-defined]


class LoginForm(CaptchaMixin, allauth_forms.LoginForm):
    field_order = ["login", "password", "remember", "captcha"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.normalise_email_input()
        self.bind_captcha_request(self.request)
        self.fields["password"].widget.attrs["data-capslock-hint"] = "1"
        if self.fields["password"].help_text:  # allauth's "Forgot your password?" link, in our words
            from django.urls import reverse
            from django.utils.html import format_html

            self.fields["password"].help_text = format_html(
                '<a href="{}" id="forgot-password">{}</a>',
                reverse("account_reset_password"),
                _("Cannot remember your password? Reset it"),
            )

    def clean(self) -> dict[str, Any]:
        if self.errors.get("captcha"):
            # Do not spend a password guess when the captcha failed.
            return self.cleaned_data
        return super().clean() or self.cleaned_data


class SignupForm(CaptchaMixin, allauth_forms.SignupForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.normalise_email_input()
        self.bind_captcha_request(getattr(self, "request", None))
        self.fields["password1"].widget.attrs["data-capslock-hint"] = "1"
        self.fields["password1"].widget.attrs["maxlength"] = "256"


class ResetPasswordForm(CaptchaMixin, allauth_forms.ResetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.normalise_email_input()
        self.bind_captcha_request(getattr(self, "request", None))


class PhoneVerifyCodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "code-input"}),
    )


class PhoneVerifyChangeForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=32,
        help_text=_("A Japanese mobile number (070, 080 or 090). Example: 090-1234-5678"),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
