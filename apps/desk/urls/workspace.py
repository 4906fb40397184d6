"""The desk's workspace addresses: one ticket, its live poll, template text and next/previous."""

from django.urls import path

from apps.desk.views import workspace

urlpatterns = [
    path("tickets/<int:ticket_id>/", workspace.ticket_workspace, name="ticket"),
    path("tickets/<int:ticket_id>/poll/", workspace.ticket_poll, name="ticket_poll"),
    path("tickets/<int:ticket_id>/events/", workspace.ticket_events, name="ticket_events"),
    path("tickets/<int:ticket_id>/history/", workspace.ticket_history, name="ticket_history"),
    path(
        "tickets/<int:ticket_id>/template/",
        workspace.ticket_template_text,
        name="ticket_template",
    ),
    path(
        "tickets/<int:ticket_id>/next/",
        workspace.ticket_step,
        {"direction": "next"},
        name="ticket_next",
    ),
    path(
        "tickets/<int:ticket_id>/previous/",
        workspace.ticket_step,
        {"direction": "previous"},
        name="ticket_previous",
    ),
]
