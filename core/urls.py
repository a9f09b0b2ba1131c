from django.urls import path

from . import staff_views, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics_view, name="metrics"),
    path("language/", views.set_language, name="set_language"),
    path("staff/", views.staff_home, name="staff_home"),
    path("staff/second-factor/", staff_views.staff_enrol, name="staff_enrol"),
    path("staff/verify/", staff_views.staff_verify, name="staff_verify"),
]
