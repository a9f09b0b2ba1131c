from django.urls import path

from . import views

app_name = "recovery"

urlpatterns = [
    path("recovery/password-reset/", views.password_reset, name="password_reset"),
    path("recovery/password-reset/code/", views.password_reset_code, name="password_reset_code"),
    path("recovery/password-reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path("recovery/authenticator-lost/", views.authenticator_lost, name="authenticator_lost"),
    path(
        "recovery/authenticator-lost/confirm/<str:token>/",
        views.authenticator_lost_confirm,
        name="authenticator_lost_confirm",
    ),
    path("recovery/freeze/", views.freeze, name="freeze"),
    path("recovery/freeze/request/", views.freeze_request, name="freeze_request"),
    path("recovery/freeze/confirm/<str:token>/", views.freeze_confirm, name="freeze_confirm"),
    path("recovery/identity/", views.identity_new, name="identity_new"),
    path("recovery/identity/<uuid:case_id>/", views.identity_detail, name="identity_detail"),
    path("recovery/identity/<uuid:case_id>/correct/", views.identity_correct, name="identity_correct"),
    path(
        "recovery/identity/<uuid:case_id>/resubmit/<str:token>/",
        views.identity_resubmit_link,
        name="identity_resubmit_link",
    ),
    path(
        "recovery/identity/<uuid:case_id>/documents/<int:document_id>/",
        views.identity_document,
        name="identity_document",
    ),
    path("recovery/staff/cases/", views.staff_cases, name="staff_cases"),
    path("recovery/staff/cases/<uuid:case_id>/", views.staff_case, name="staff_case"),
    path("recovery/staff/cases/<uuid:case_id>/claim/", views.staff_case_claim, name="staff_case_claim"),
    path("recovery/staff/documents/<int:document_id>/", views.staff_document, name="staff_document"),
]
