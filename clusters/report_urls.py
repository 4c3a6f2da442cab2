"""URLs of the report pages (in the clusters namespace)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
