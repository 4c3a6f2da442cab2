"""Event pages: participants' pages (views.py) and organisers' pages (organiser_views.py)."""

from django.urls import include, path

app_name = "events"

urlpatterns = [
    path("events/", include("events.participant_urls")),
    path("events/", include("events.organiser_urls")),
]
