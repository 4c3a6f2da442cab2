from django.urls import path

from . import views

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
    path("suggestions/runs/", views.run_list, name="run-list"),
    path("suggestions/runs/start/", views.run_start, name="run-start"),
]
