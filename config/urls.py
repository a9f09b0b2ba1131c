from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from core.staff_views import admin_login, admin_password_change

urlpatterns = [
    path("", include("core.urls")),
    path("", include("api.urls")),
    # Only the allauth pages the product uses; the rest of /accounts/ is a 404.
    path("accounts/", include("accounts.allauth_urls")),
    # Our subclasses of allauth's headless account views, at allauth's paths (first match wins).
    path("", include("mfa.headless_account")),
    path("", include("accounts.headless_login")),
    path("_allauth/", include("allauth.headless.urls")),
    path("", include("accounts.urls")),
    path("", include("mfa.urls")),
    path("", include("recovery.urls")),
    path("", include("support.urls")),
    path("", include("helpcenter.urls")),
    path("", include("chat.urls")),
    path("", include("wallet.urls")),
    # The admin signs in through the product's sign-in only (core.staff; no password form here).
    path(f"{getattr(settings, 'MADOGUCHI_ADMIN_PATH', 'admin')}/login/", admin_login, name="staff_admin_login"),
    path(f"{getattr(settings, 'MADOGUCHI_ADMIN_PATH', 'admin')}/password_change/", admin_password_change),
    path(f"{getattr(settings, 'MADOGUCHI_ADMIN_PATH', 'admin')}/", admin.site.urls),
]

# Styled pages, and the JSON error contract under /api/v1 and /internal/v1 (core/degrade.py).
handler400 = "core.degrade.bad_request"
handler404 = "core.degrade.page_not_found"
handler500 = "core.degrade.server_error"
