"""Organisers' pages, included before the participants' pages so that "new/" is not read as
an event's slug."""

from django.urls import path

from . import organiser_views as views

urlpatterns = [
    path("new/", views.event_create, name="create"),
    path("<slug:slug>/edit/", views.event_edit, name="edit"),
    path("<slug:slug>/status/", views.event_status, name="status"),
    path("<slug:slug>/manage/", views.event_manage, name="manage"),
    path("<slug:slug>/manage/decide/", views.decide, name="decide"),
    path(
        "<slug:slug>/manage/participants.csv",
        views.export_participants,
        name="export-participants",
    ),
    path("<slug:slug>/manage/outcomes/", views.outcomes, name="outcomes"),
]
