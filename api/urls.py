from django.urls import path

from .main import api, internal_api

urlpatterns = [
    path("api/v1/", api.urls),
    path("internal/v1/", internal_api.urls),
]
