"""Placeholder, replaced by the participants' pages."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, **kwargs):
    return HttpResponse("todo")


urlpatterns: list = [
    path("", _todo, name="list"),
    path("<slug:slug>/", _todo, name="detail"),
    path("<slug:slug>/me/", _todo, name="my-event"),
]
