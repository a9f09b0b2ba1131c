from django.urls import URLPattern

app_name = "helpcenter"
urlpatterns: list[URLPattern] = []
