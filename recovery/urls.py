from django.urls import URLPattern

app_name = "recovery"
urlpatterns: list[URLPattern] = []
