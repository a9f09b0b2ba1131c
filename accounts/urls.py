from django.urls import path

from . import headless, views

app_name = "accounts"

urlpatterns = [
    path("account/activity/", views.activity, name="activity"),
    path("login/phone/", views.phone_verify, name="phone_verify"),
    # The mobile-number stage for allauth headless clients (allauth's "_allauth/" include
    # does not match these paths, so Django falls through to here).
    path("_allauth/app/v1/auth/mobile/verify", headless.PhoneVerifyView.as_api_view(client="app")),
    path("_allauth/browser/v1/auth/mobile/verify", headless.PhoneVerifyView.as_api_view(client="browser")),
    path("_allauth/app/v1/auth/mobile/verify/resend", headless.PhoneResendView.as_api_view(client="app")),
    path("_allauth/browser/v1/auth/mobile/verify/resend", headless.PhoneResendView.as_api_view(client="browser")),
    path("_allauth/app/v1/auth/mobile/change", headless.PhoneChangeView.as_api_view(client="app")),
    path("_allauth/browser/v1/auth/mobile/change", headless.PhoneChangeView.as_api_view(client="browser")),
]
