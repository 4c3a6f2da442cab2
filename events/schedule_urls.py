"""Scheduling (organisers) and agendas (participants); included before the participants'
pages so that "calendar/…" and "<slug>/agenda/" are not read as other pages."""

from django.urls import path

from . import agenda_views, schedule_views

urlpatterns = [
    path("calendar/<str:token>.ics", agenda_views.agenda_ics, name="agenda-ics"),
    path("<slug:slug>/agenda/", agenda_views.agenda, name="agenda"),
    path(
        "<slug:slug>/agenda/new-calendar-address/",
        agenda_views.agenda_feed_reset,
        name="agenda-feed-reset",
    ),
    path("<slug:slug>/manage/schedule/", schedule_views.schedule, name="schedule"),
    path("<slug:slug>/manage/schedule/run/", schedule_views.schedule_run, name="schedule-run"),
    path(
        "<slug:slug>/manage/schedule/runs/<int:pk>/progress/",
        schedule_views.schedule_progress,
        name="schedule-progress",
    ),
    path("<slug:slug>/manage/timetable/", schedule_views.timetable, name="timetable"),
    path("<slug:slug>/manage/meetings/<int:pk>/", schedule_views.meeting_edit, name="meeting-edit"),
    path(
        "<slug:slug>/manage/requests/<int:pk>/place/",
        schedule_views.meeting_place,
        name="meeting-place",
    ),
]
