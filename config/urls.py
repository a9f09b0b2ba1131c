from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from core.staff_views import admin_login, admin_password_change

urlpatterns = [
    path("", include("core.urls")),
    path("", include("api.urls")),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("", include("accounts.urls")),
    path("", include("mfa.urls")),
    path("", include("recovery.urls")),
    path("", include("support.urls")),
    path("", include("helpcenter.urls")),
    path("", include("wallet.urls")),
    # The admin signs in through the product's sign-in only (core.staff; no password form here).
    path(f"{getattr(settings, 'MADOGUCHI_ADMIN_PATH', 'admin')}/login/", admin_login, name="staff_admin_login"),
    path(f"{getattr(settings, 'MADOGUCHI_ADMIN_PATH', 'admin')}/password_change/", admin_password_change),
    path(f"{getattr(settings, 'MADOGUCHI_ADMIN_PATH', 'admin')}/", admin.site.urls),
]
