from django.urls import path

from chat import consumers

websocket_urlpatterns = [
    path("ws/chat/queue/", consumers.QueueConsumer.as_asgi()),
    path("ws/chat/<int:conversation_id>/", consumers.ChatConsumer.as_asgi()),
]
