from django.urls import path

from . import views

app_name = "helpcenter"

urlpatterns = [
    path("help/", views.home, name="home"),
    path("help/search/", views.search, name="search"),
    path("help/categories/<slug:slug>/", views.category, name="category"),
    path("help/articles/<slug:slug>/", views.article, name="article"),
    path("help/articles/<slug:slug>/vote/", views.article_vote, name="article_vote"),
    path("help/articles/<slug:slug>/feedback/", views.article_feedback, name="article_feedback"),
    path("help/troubleshooter/sign-in/", views.troubleshooter_sign_in, name="troubleshooter_sign_in"),
    path("status/", views.status, name="status"),
    path("help/status/", views.status, name="status_alias"),
    path("help/staff/articles/", views.staff_articles, name="staff_articles"),
    path("help/staff/articles/<slug:slug>/", views.staff_article_edit, name="staff_article_edit"),
    path("help/staff/search-misses/", views.staff_search_misses, name="staff_search_misses"),
    path("help/staff/synonyms/", views.staff_synonyms, name="staff_synonyms"),
    path("help/staff/announcements/", views.staff_announcements, name="staff_announcements"),
]
