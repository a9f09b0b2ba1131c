"""One password rule set for every client (web pages, allauth headless app and browser APIs).

The web forms (allauth's PasswordField/SetPasswordField) keep a password exactly as typed and
run every validator in AUTH_PASSWORD_VALIDATORS against a user built from the typed email
(so the similarity check sees the address). allauth's headless inputs differ: their password
fields are plain CharFields, which strip surrounding spaces, and the sign-up input validates
the password without any user (the similarity check is skipped: it accepted ``pwtest20261``
for ``pwtest20261@example.com``). ``apply()`` (called from AccountsConfig.ready) makes the
headless inputs behave like the pages: no stripping, and the same validators with the same
user attributes.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

_PASSWORD_FIELDS = {
    "SignupInput": ("password",),
    "LoginInput": ("password",),
    "ResetPasswordInput": ("password",),
    "ChangePasswordInput": ("current_password", "new_password"),
    "ReauthenticateInput": ("password",),
}


def _signup_clean_with_similarity(original: Any) -> Any:
    def clean(self: Any) -> Any:
        cleaned = original(self)
        password = self.cleaned_data.get("password")
        email = self.cleaned_data.get("email")
        if password and email and "password" not in self.errors:
            from allauth.account.adapter import get_adapter
            from django.contrib.auth import get_user_model

            dummy = get_user_model()(email=email)
            try:
                get_adapter().clean_password(password, user=dummy)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned

    clean._madoguchi_similarity = True  # type: ignore[attr-defined]
    return clean


def apply() -> None:
    from allauth.headless.account import inputs

    for class_name, field_names in _PASSWORD_FIELDS.items():
        cls = getattr(inputs, class_name, None)
        if cls is None:
            continue
        for name in field_names:
            field = cls.base_fields.get(name)
            if field is not None and hasattr(field, "strip"):
                field.strip = False  # a space is part of the password, as on the pages
    if not getattr(inputs.SignupInput.clean, "_madoguchi_similarity", False):
        inputs.SignupInput.clean = _signup_clean_with_similarity(inputs.SignupInput.clean)
