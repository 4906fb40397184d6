from django.urls import path

from apps.portal.views import contact, staff, ticket_page, tracking
from apps.portal.views import survey as survey_pages

app_name = "portal"

urlpatterns = [
    path("", tracking.home, name="home"),
    path("track/", tracking.track, name="track"),
    path("track/parcel/<int:shipment_id>/", tracking.parcel, name="parcel"),
    path("track/parcel/<int:shipment_id>/ticket/", tracking.parcel_ticket, name="parcel-ticket"),
    path("contact/", contact.contact, name="contact"),
    path("contact/confirm/<str:token>/", contact.draft_confirm, name="draft-confirm"),
    path("t/<str:token>/", ticket_page.detail, name="ticket"),
    path("t/<str:token>/reply/", ticket_page.reply, name="ticket-reply"),
    path("t/<str:token>/delivery-change/", ticket_page.delivery_change, name="ticket-delivery"),
    path("t/<str:token>/reopen/", ticket_page.reopen, name="ticket-reopen"),
    path("t/<str:token>/language/", ticket_page.language, name="ticket-language"),
    path(
        "t/<str:token>/offers/<int:offer_id>/accept/",
        ticket_page.offer_answer,
        {"answer": "accept"},
        name="ticket-offer-accept",
    ),
    path(
        "t/<str:token>/offers/<int:offer_id>/decline/",
        ticket_page.offer_answer,
        {"answer": "decline"},
        name="ticket-offer-decline",
    ),
    path(
        "t/<str:token>/files/<int:attachment_id>/",
        ticket_page.attachment,
        name="ticket-attachment",
    ),
    path("survey/<str:token>/", survey_pages.survey, name="survey"),
    path("survey/<str:token>/more/", survey_pages.survey_more, name="survey-more"),
    path("survey/<str:token>/language/", survey_pages.language, name="survey-language"),
    # Links typed or pasted without the final slash are served, not redirected: APPEND_SLASH's
    # redirect would carry the token in a Location header.
    path("t/<str:token>", ticket_page.detail),
    path("contact/confirm/<str:token>", contact.draft_confirm),
    path("survey/<str:token>", survey_pages.survey),
    path(
        "desk-files/attachments/<int:attachment_id>/",
        staff.attachment,
        name="staff-attachment",
    ),
]
