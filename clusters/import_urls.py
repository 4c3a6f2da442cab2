"""URLs of the import pages (in the clusters namespace)."""

from django.urls import path

from .imports import views

urlpatterns: list = [
    path("imports/", views.import_list, name="import-list"),
    path("imports/new/", views.import_create, name="import-create"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import-progress"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
]
