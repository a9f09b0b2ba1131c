from django.urls import URLPattern

app_name = "madoguchi_mfa"
urlpatterns: list[URLPattern] = []
