from django.urls import path

from .main import api, internal_api
from .views import allauth_openapi_json

urlpatterns = [
    path("api/v1/", api.urls),
    path("internal/v1/", internal_api.urls),
    # Before allauth's own route (config/urls.py includes this module first): see api/views.py.
    path("_allauth/openapi.json", allauth_openapi_json),
]
