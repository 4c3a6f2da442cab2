"""Events over the API: anyone reads what is visible to them; organisers and staff create,
edit and move events through their statuses, by the same services and rules as the pages."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework import status as http_status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from .. import selectors, services
from ..filters import EventFilterSet
from ..models import Event
from .common import call_service
from .serializers import EventSerializer, EventStatusSerializer


class EventPermission(permissions.BasePermission):
    """Reads are filtered by ``events_for``; creating needs events.add_event, changing needs
    events.change_event on the event."""

    def has_permission(self, request: Request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if not request.user.is_authenticated:
            return False
        if view.action == "create":
            return request.user.has_perm("events.add_event")
        return True

    def has_object_permission(self, request: Request, view, obj: Event) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return request.user.has_perm("events.view_event", obj)
        return request.user.has_perm("events.change_event", obj)


class EventViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Matchmaking events, addressed by id like organisations. Times are UTC (ISO 8601); the
    event's ``time_zone`` says how to show them. Drafts are visible to their organisers and
    staff only; the list carries the approved participant count, one event its ``counts``."""

    serializer_class = EventSerializer
    permission_classes = [EventPermission]
    filterset_class = EventFilterSet
    queryset = Event.objects.none()  # for the schema; get_queryset is per user
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Event]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        # events_for orders explicitly (starts_at, pk): the counts' GROUP BY drops Meta.ordering.
        return selectors.events_for(self.request.user).prefetch_related(
            "windows", "kind_limits", "organisers"
        )

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["with_counts"] = self.action != "list"
        return context

    def _detail(self, event: Event, code: int = http_status.HTTP_200_OK) -> Response:
        """The event as it now is, read back like a GET would (counts and annotations)."""
        fresh = self.get_queryset().filter(pk=event.pk).first()
        if fresh is None:  # created for other organisers: no longer visible to its creator
            fresh = event
            fresh.participant_count = 0
        context = self.get_serializer_context()
        return Response(EventSerializer(fresh, context=context).data, status=code)

    @extend_schema(request=EventSerializer, responses={201: EventSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = EventSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields, windows, kind_limits = EventSerializer.split(serializer.validated_data)
        event = call_service(
            services.create_event,
            user=request.user,
            fields=fields,
            windows=windows or (),
            kind_limits=kind_limits,
        )
        return self._detail(event, http_status.HTTP_201_CREATED)

    @extend_schema(request=EventSerializer, responses=EventSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        event = self.get_object()
        serializer = EventSerializer(
            event, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields, windows, kind_limits = EventSerializer.split(serializer.validated_data)
        event = call_service(
            services.update_event,
            user=request.user,
            event=event,
            fields=fields,
            windows=windows,
            kind_limits=kind_limits,
        )
        return self._detail(event)

    @extend_schema(request=EventStatusSerializer, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: str | None = None) -> Response:
        """Publish, close registration, finish or cancel (allowed transitions only)."""
        event = self.get_object()
        serializer = EventStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = call_service(
            services.set_event_status,
            user=request.user,
            event=event,
            status=serializer.validated_data["status"],
        )
        return self._detail(event)
