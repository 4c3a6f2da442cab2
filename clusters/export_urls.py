"""URLs of the export pages (in the clusters namespace)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
