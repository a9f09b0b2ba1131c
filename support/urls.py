from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("contact/", views.contact, name="contact"),
    path("contact/callback/", views.callback_request, name="callback_request"),
    path("support/", views.my_inquiries, name="mine"),
    path("support/new/", views.new_inquiry, name="new"),
    path("support/new/<slug:slug>/", views.new_inquiry_form, name="new_form"),
    path("support/inquiries/<int:inquiry_id>/", views.inquiry_detail, name="inquiry"),
    path("support/inquiries/<int:inquiry_id>/close/", views.inquiry_close, name="inquiry_close"),
    path("support/freeze/", views.freeze_now, name="freeze"),
    path("support/suggest/", views.suggest, name="suggest"),
    path("support/attachments/<str:token>/", views.attachment, name="attachment"),
    path("support/guest/", views.guest_start, name="guest_start"),
    path("support/guest/verify/", views.guest_verify, name="guest_verify"),
    path("support/guest/inquiries/", views.guest_home, name="guest_home"),
    path("support/guest/new/<slug:slug>/", views.guest_new, name="guest_new"),
    path("support/guest/inquiries/<int:inquiry_id>/", views.guest_inquiry, name="guest_inquiry"),
    path("staff/support/", views.staff_queue, name="staff_queue"),
    path("staff/support/inquiries/<int:inquiry_id>/", views.staff_inquiry, name="staff_inquiry"),
    path("staff/support/inquiries/<int:inquiry_id>/presence/", views.staff_presence, name="staff_presence"),
    path("staff/support/inquiries/<int:inquiry_id>/<slug:action>/", views.staff_action, name="staff_action"),
]
