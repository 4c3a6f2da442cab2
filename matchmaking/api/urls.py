from django.urls import path
from rest_framework.routers import SimpleRouter

from . import contact_views, views

router = SimpleRouter()
router.register("contact-requests", contact_views.ContactRequestViewSet, basename="contact-request")

urlpatterns = [
    path(
        "organisations/<int:pk>/suggestions/",
        views.OrganisationSuggestionList.as_view(),
        name="organisation-suggestions",
    ),
    path(
        "suggestions/<int:pk>/feedback/",
        views.SuggestionFeedbackView.as_view(),
        name="suggestion-feedback",
    ),
]
urlpatterns += router.urls
