from django.urls import path

from . import headless, views

app_name = "madoguchi_mfa"

urlpatterns = [
    path("security/", views.security, name="security"),
    path("security/totp/setup/", views.totp_setup, name="totp_setup"),
    path("security/totp/disable/", views.totp_disable, name="totp_disable"),
    path("security/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("security/recovery-codes/download/", views.recovery_codes_download, name="recovery_codes_download"),
    path("security/recovery-codes/saved/", views.recovery_codes_saved, name="recovery_codes_saved"),
    path("security/step-up/sms/", views.step_up_sms, name="step_up_sms"),
    path("security/step-up/passkey/", views.passkey_options, name="passkey_options"),
    path("security/anti-phishing/", views.anti_phishing, name="anti_phishing"),
    path("security/email/", views.email_change, name="email_change"),
    path("security/phone/", views.phone_change, name="phone_change"),
    path("security/password/", views.password_change, name="password_change"),
    path("security/passkeys/", views.passkeys, name="passkeys"),
    path("security/passkeys/add/", views.passkey_add, name="passkey_add"),
    path("security/passkeys/add/options/", views.passkey_add_options, name="passkey_add_options"),
    path("security/sessions/", views.sessions, name="sessions"),
    path("login/sms/", views.login_sms, name="login_sms"),
    # The SMS sign-in stage for allauth headless clients; allauth's own "_allauth/"
    # include does not match these paths, so Django falls through to here.
    path("_allauth/app/v1/auth/2fa/sms", headless.SmsAuthenticateView.as_api_view(client="app")),
    path("_allauth/browser/v1/auth/2fa/sms", headless.SmsAuthenticateView.as_api_view(client="browser")),
    path("_allauth/app/v1/auth/2fa/sms/resend", headless.SmsResendView.as_api_view(client="app")),
    path("_allauth/browser/v1/auth/2fa/sms/resend", headless.SmsResendView.as_api_view(client="browser")),
]
