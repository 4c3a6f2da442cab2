from rest_framework.routers import SimpleRouter

from . import participant_views, request_views, views

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

urlpatterns = router.urls
