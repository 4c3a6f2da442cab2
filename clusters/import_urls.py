"""URLs of the import pages (in the clusters namespace)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
