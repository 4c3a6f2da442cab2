from django.urls import path

from . import contact_views, views

app_name = "matchmaking"

urlpatterns = [
    path(
        "organisations/<slug:slug>/suggestions/",
        views.suggestion_list,
        name="suggestion-list",
    ),
    path(
        "organisations/<slug:slug>/suggestions/<int:pk>/",
        views.suggestion_feedback,
        name="suggestion-feedback",
    ),
    path("organisations/<slug:slug>/contact/", contact_views.contact_create, name="contact-create"),
    path("contact-requests/", contact_views.contact_list, name="contact-list"),
    path("contact-requests/<int:pk>/answer/", contact_views.contact_answer, name="contact-answer"),
    path("suggestions/runs/", views.run_list, name="run-list"),
    path("suggestions/runs/start/", views.run_start, name="run-start"),
]
