"""Placeholder, filled in by the events pages."""

urlpatterns: list = []
