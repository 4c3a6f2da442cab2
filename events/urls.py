"""Event pages: organisers' pages (organiser_views.py) first, so that "new/" is not taken for
an event's slug, then scheduling and agendas, then participants' pages (views.py)."""

from django.urls import include, path

app_name = "events"

urlpatterns = [
    path("events/", include("events.organiser_urls")),
    path("events/", include("events.schedule_urls")),
    path("events/", include("events.participant_urls")),
]
