"""The desk's queue addresses."""

from django.urls import path

from apps.desk.views import queue

urlpatterns = [
    path("queue/", queue.queue, name="queue"),
    path("queue/live/", queue.queue_live, name="queue_live"),
    path("queue/views/", queue.saved_view_create, name="queue_view_save"),
    path("queue/views/<int:view_id>/delete/", queue.saved_view_delete, name="queue_view_delete"),
]
