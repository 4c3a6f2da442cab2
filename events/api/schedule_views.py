"""Scheduling and agendas over the API: organisers start scheduling runs and follow them, list,
move, lock and cancel meetings; each participant reads their own meetings and agenda (JSON or
iCalendar). Writes go through events.schedule_runs and events.services.meetings, as on the
pages; hidden events and registrations are 404s, visible but forbidden ones 403s.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, renderers
from rest_framework import status as http_status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from .. import schedule_runs, selectors
from ..calendar import agenda_ics
from ..filters import MultipleChoiceFilter
from ..models import Event, Meeting, Registration, ScheduleRun
from ..rules import registrations_of
from ..services import meetings as meeting_services
from .common import call_service
from .participant_views import EVENT_PK, EventChildViewSet
from .schedule_serializers import (
    AgendaSerializer,
    MeetingSerializer,
    MeetingUpdateSerializer,
    ScheduleRunSerializer,
)

SIDES = (
    "request__sender__organisation",
    "request__sender__person",
    "request__receiver__organisation",
    "request__receiver__person",
)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class MeetingFilterSet(django_filters.FilterSet):
    """``date`` is a day in the event's time zone (the FilterSet is given the event)."""

    status = MultipleChoiceFilter(choices=Meeting.Status.choices, label="Status")
    date = django_filters.DateFilter(method="filter_date", label="Day (in the event's zone)")
    registration = IdFilter(method="filter_registration", label="Registration id (either side)")

    class Meta:
        model = Meeting
        fields: list[str] = []

    def __init__(self, *args, event: Event | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.event = event

    def filter_date(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        zone = self.event.tz if self.event is not None else dt.UTC
        start = dt.datetime.combine(value, dt.time.min, zone)
        end = dt.datetime.combine(value + dt.timedelta(days=1), dt.time.min, zone)
        return queryset.filter(slot__starts_at__gte=start, slot__starts_at__lt=end)

    def filter_registration(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(Q(request__sender_id=value) | Q(request__receiver_id=value))


class EventFilterBackend(DjangoFilterBackend):
    """Hands the view's event to the FilterSet, for filters that need its time zone."""

    def get_filterset_kwargs(self, request: Request, queryset: QuerySet, view) -> dict:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["event"] = view.event
        return kwargs


class ManagesEvent(permissions.BasePermission):
    """The event's organisers and staff (``events.manage_registrations``)."""

    def has_permission(self, request: Request, view) -> bool:
        return view.is_manager


class ScheduleViewSet(EventChildViewSet):
    """Start scheduling the event's accepted meeting requests (``POST`` only, routed by hand:
    the run's own address is under ``schedule-runs/``)."""

    permission_classes = [ManagesEvent]
    serializer_class = ScheduleRunSerializer
    queryset = ScheduleRun.objects.none()  # for the schema

    @extend_schema(
        operation_id="events_schedule_create",
        parameters=[EVENT_PK],
        request=None,
        responses={
            202: OpenApiResponse(
                ScheduleRunSerializer,
                description="A run was queued; follow it at ``schedule-runs/{id}/``.",
            ),
            200: OpenApiResponse(
                ScheduleRunSerializer,
                description="A run was already queued or running: it is returned and no new "
                "one is started.",
            ),
        },
        description="Place every accepted request not yet in a meeting into slots and tables, "
        "in the background. Meetings already scheduled are kept where they are. Organisers "
        "and staff only; an event without meeting sessions is a 400 naming ``event``.",
    )
    def create(self, request: Request, event_pk: str) -> Response:
        run, created = call_service(
            schedule_runs.start_schedule, user=request.user, event=self.event
        )
        # Read back: with eager tasks (development) the run may already have finished.
        run = ScheduleRun.objects.get(pk=run.pk)
        code = http_status.HTTP_202_ACCEPTED if created else http_status.HTTP_200_OK
        return Response(ScheduleRunSerializer(run).data, status=code)


@extend_schema_view(
    list=extend_schema(summary="Scheduling runs", description="Newest first."),
    retrieve=extend_schema(description="Status, progress and stage; the result once done."),
)
@extend_schema(parameters=[EVENT_PK])
class ScheduleRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EventChildViewSet):
    """The event's scheduling runs, for its organisers and staff."""

    permission_classes = [ManagesEvent]
    serializer_class = ScheduleRunSerializer
    queryset = ScheduleRun.objects.none()  # for the schema

    def get_queryset(self) -> QuerySet[ScheduleRun]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return ScheduleRun.objects.filter(event=self.event).order_by("-created_at", "-pk")


class MeetingPermission(permissions.BasePermission):
    """Approved participants read their own meetings; organisers and staff read and change
    all of them."""

    def has_permission(self, request: Request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return request.user.has_perm("events.view_participants", view.event)
        return view.is_manager


@extend_schema_view(
    list=extend_schema(
        summary="Meetings",
        description="Every meeting of the event for its organisers and staff; an approved "
        "participant's own for them. ``date`` is a day in the event's time zone.",
    ),
    retrieve=extend_schema(description="A meeting you may see listed."),
)
@extend_schema(parameters=[EVENT_PK])
class MeetingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, EventChildViewSet
):
    """Scheduled and cancelled meetings, in time order. Organisers move, lock and cancel."""

    serializer_class = MeetingSerializer
    permission_classes = [MeetingPermission]
    filter_backends = [EventFilterBackend]
    filterset_class = MeetingFilterSet
    queryset = Meeting.objects.none()  # for the schema
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Meeting]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        meetings = (
            Meeting.objects.filter(event=self.event)
            .select_related("event", "slot", *SIDES)
            .order_by("slot__starts_at", "table", "pk")
        )
        if self.is_manager:
            return meetings
        mine = registrations_of(self.request.user).get(self.event.pk)
        if mine is None:
            return meetings.none()
        return meetings.filter(Q(request__sender_id=mine[0]) | Q(request__receiver_id=mine[0]))

    def _read(self, meeting: Meeting) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=meeting.pk)).data)

    @extend_schema(
        request=MeetingUpdateSerializer,
        responses=MeetingSerializer,
        description="Move the meeting (``slot`` and ``table``; it is locked afterwards) or set "
        "``locked``. Conflicts are 400s naming the field: ``slot`` (someone is busy or "
        "unavailable then, wrong part of the day), ``table`` (taken, out of range, or given "
        "for an online meeting), ``status`` (the meeting was cancelled).",
    )
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        meeting = self.get_object()
        serializer = MeetingUpdateSerializer(data=request.data, event=self.event)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            if "slot" in data or "table" in data:
                meeting = call_service(
                    meeting_services.move_meeting,
                    user=request.user,
                    meeting=meeting,
                    slot=data.get("slot", meeting.slot),
                    table=data.get("table", meeting.table),
                )
            if "locked" in data:
                call_service(
                    meeting_services.lock_meeting,
                    user=request.user,
                    meeting=meeting,
                    locked=data["locked"],
                )
        return self._read(meeting)

    @extend_schema(request=None, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, event_pk: str, pk: str) -> Response:
        """Cancel the meeting: both people are free at that time again (the request stays
        accepted, so a later scheduling run may place it anew)."""
        meeting = self.get_object()
        call_service(meeting_services.cancel_meeting, user=request.user, meeting=meeting)
        return self._read(meeting)


REGISTRATION_PK = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The registration's id."
)


class AgendaMixin:
    """The registration in the URL, for its person and the event's organisers and staff: 403
    when the user may see the registration (another approved participant), else 404."""

    permission_classes = [permissions.IsAuthenticated]
    request: Request
    kwargs: dict

    def registration(self) -> Registration:
        user = self.request.user
        registration = (
            Registration.objects.select_related("event", "organisation")
            .filter(pk=self.kwargs["pk"])
            .first()
        )
        if registration is None or not user.has_perm("events.view_event", registration.event):
            raise Http404("No such registration.")
        if user.has_perm("events.view_registration", registration):
            return registration
        if registration.is_approved and user.has_perm(
            "events.view_participants", registration.event
        ):
            raise PermissionDenied("Only the participant and the event's organisers see this.")
        raise Http404("No such registration.")

    def meetings(self, registration: Registration) -> list[Meeting]:
        """Scheduled and cancelled meetings in time order, each sharing the loaded event."""
        rows = list(selectors.agenda_meetings(registration))
        for meeting in rows:
            meeting.event = registration.event
        return rows


class AgendaView(AgendaMixin, GenericAPIView):
    serializer_class = AgendaSerializer
    queryset = Registration.objects.none()  # for the schema

    @extend_schema(parameters=[REGISTRATION_PK], responses=AgendaSerializer)
    def get(self, request: Request, pk: str) -> Response:
        """A participant's meetings in their event, scheduled and cancelled, in time order."""
        registration = self.registration()
        context = {**self.get_serializer_context(), "meetings": self.meetings(registration)}
        return Response(AgendaSerializer(registration, context=context).data)


class CalendarRenderer(renderers.BaseRenderer):
    """iCalendar bytes as they are (errors are rendered as JSON, see AgendaIcsView)."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return data


class AgendaIcsView(AgendaMixin, GenericAPIView):
    renderer_classes = [CalendarRenderer]
    queryset = Registration.objects.none()  # for the schema

    @extend_schema(
        operation_id="registrations_agenda_ics",
        parameters=[REGISTRATION_PK],
        responses={(200, "text/calendar"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, pk: str) -> Response:
        """The agenda as an iCalendar file: times in the event's zone (TZID and VTIMEZONE),
        cancelled meetings as STATUS:CANCELLED so calendar apps drop them."""
        registration = self.registration()
        body = agenda_ics(registration, self.meetings(registration))
        response = Response(body)
        response["Content-Disposition"] = f'inline; filename="{registration.event.slug}-agenda.ics"'
        return response

    def handle_exception(self, exc: Exception) -> Response:
        """Errors are JSON like everywhere else in the API, not a calendar."""
        response = super().handle_exception(exc)
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = renderers.JSONRenderer.media_type
        return response
