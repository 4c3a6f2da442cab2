from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from . import participant_views, request_views, schedule_views, views

EVENT = r"events/(?P<event_pk>[0-9]+)"

router = SimpleRouter()
router.register("events", views.EventViewSet, basename="event")
router.register(
    f"{EVENT}/registrations", participant_views.RegistrationViewSet, basename="event-registration"
)
router.register(
    f"{EVENT}/marketplace", participant_views.MarketplaceItemViewSet, basename="marketplace-item"
)
router.register("meeting-requests", request_views.MeetingRequestViewSet, basename="meeting-request")
router.register(
    f"{EVENT}/schedule-runs", schedule_views.ScheduleRunViewSet, basename="schedule-run"
)
router.register(f"{EVENT}/meetings", schedule_views.MeetingViewSet, basename="meeting")

urlpatterns = [
    *router.urls,
    re_path(
        rf"^{EVENT}/schedule/$",
        schedule_views.ScheduleViewSet.as_view({"post": "create"}),
        name="event-schedule",
    ),
    path(
        "registrations/<int:pk>/agenda/",
        schedule_views.AgendaView.as_view(),
        name="registration-agenda",
    ),
    path(
        "registrations/<int:pk>/agenda.ics",
        schedule_views.AgendaIcsView.as_view(),
        name="registration-agenda-ics",
    ),
]
