from django.urls import path

from . import views

app_name = "chat"

urlpatterns = [
    path("chat/", views.my_chats, name="mine"),
    path("chat/new/", views.chat_new, name="new"),
    path("chat/<int:conversation_id>/", views.conversation, name="conversation"),
    path("chat/<int:conversation_id>/close/", views.conversation_close, name="close"),
    path("chat/<int:conversation_id>/messages/", views.conversation_post, name="post"),
    path("chat/<int:conversation_id>/files/<str:token>/", views.attachment, name="attachment"),
    path("staff/chat/<int:conversation_id>/files/<str:token>/", views.staff_attachment, name="staff_attachment"),
    path("staff/chat/", views.staff_queue, name="staff_queue"),
    path("staff/chat/<int:conversation_id>/", views.staff_conversation, name="staff_conversation"),
    path("staff/chat/<int:conversation_id>/messages/", views.staff_post, name="staff_post"),
    path("staff/chat/<int:conversation_id>/<slug:action>/", views.staff_action, name="staff_action"),
]
