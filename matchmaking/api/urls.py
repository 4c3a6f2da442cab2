from django.urls import path

from . import views

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
