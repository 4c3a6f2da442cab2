"""Registrations and marketplace items of one event, under ``/api/events/{event_pk}/``.

A hidden event (a draft the user does not organise) is a 404 on every path below it; a
visible one whose participants the user may not see is a 403 (``events.view_participants``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework import status as http_status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from clusters.services import topics_from_names

from .. import selectors, services
from ..filters import MarketplaceFilterSet, ParticipantFilterSet
from ..models import Event, MarketplaceItem, Registration
from .common import call_service, visible_event
from .participant_serializers import (
    DecideResultSerializer,
    DecideSerializer,
    MarketplaceItemSerializer,
    RegistrationCreateSerializer,
    RegistrationSerializer,
    RegistrationUpdateSerializer,
)

EVENT_PK = OpenApiParameter(
    "event_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The event's id."
)


class EventChildViewSet(viewsets.GenericViewSet):
    """The event in the URL, looked up once per request; hidden events answer 404."""

    @cached_property
    def event(self) -> Event:
        return visible_event(self.request.user, self.kwargs["event_pk"])

    @cached_property
    def is_manager(self) -> bool:
        return self.request.user.has_perm("events.manage_registrations", self.event)


class RegistrationPermission(permissions.BasePermission):
    def has_permission(self, request: Request, view) -> bool:
        event, user = view.event, request.user
        if view.action == "list":
            return user.has_perm("events.view_participants", event)
        if view.action == "decide":
            return user.is_authenticated and view.is_manager
        return request.method in permissions.SAFE_METHODS or user.is_authenticated

    def has_object_permission(self, request: Request, view, obj: Registration) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.has_perm("events.change_registration", obj)


@extend_schema_view(
    list=extend_schema(
        summary="Participants",
        description="Approved participants, for approved participants; every registration "
        "(filter by ``status``) with contact data for the event's organisers and staff.",
    ),
    retrieve=extend_schema(description="Your own registration, or one you may see listed."),
)
@extend_schema(parameters=[EVENT_PK])
class RegistrationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    EventChildViewSet,
):
    """Registrations for an event: register yourself, change or cancel your registration;
    organisers approve or reject in bulk."""

    serializer_class = RegistrationSerializer
    permission_classes = [RegistrationPermission]
    filterset_class = ParticipantFilterSet
    queryset = Registration.objects.none()  # for the schema
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Registration]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        everyone = selectors.registrations(self.event)
        if self.is_manager:
            return everyone
        if self.action == "list":
            return selectors.participants(self.event)
        user = self.request.user
        visible = Q(person_id=user.pk) if user.is_authenticated else Q(pk__in=[])
        if user.has_perm("events.view_participants", self.event):
            visible |= Q(status=Registration.Status.APPROVED)
        return everyone.filter(visible)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["show_contact"] = self.is_manager
        return context

    def _read(self, registration: Registration, code: int = http_status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=registration.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        request=RegistrationCreateSerializer,
        responses={201: RegistrationSerializer},
        description="Register yourself for one of your organisations. Refusals are 400s "
        "naming the field: ``event`` (registration closed, already registered), "
        "``organisation`` (not yours, not published), ``availability``, ``max_meetings``.",
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = RegistrationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():  # new topics are kept only if the registration is
            registration = call_service(
                services.register,
                user=request.user,
                event=self.event,
                organisation=data["organisation"],
                availability=data.get("availability", []),
                blocked_slots=data.get("blocked_slots", []),
                max_meetings=data.get("max_meetings"),
                topics=topics_from_names(data.get("topics", [])),
                interests=data.get("interests", ""),
            )
        return self._read(registration, http_status.HTTP_201_CREATED)

    @extend_schema(request=RegistrationUpdateSerializer, responses=RegistrationSerializer)
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        registration = self.get_object()
        serializer = RegistrationUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            topics = (
                topics_from_names(data["topics"])
                if "topics" in data
                else list(registration.topics.all())
            )
            call_service(
                services.update_registration,
                user=request.user,
                registration=registration,
                availability=data.get("availability", list(registration.availability.all())),
                blocked_slots=data.get("blocked_slots"),
                max_meetings=data.get("max_meetings", registration.max_meetings),
                topics=topics,
                interests=data.get("interests", registration.interests),
            )
        return self._read(registration)

    @extend_schema(request=None, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, event_pk: str, pk: str) -> Response:
        """Cancel the registration; its open meeting requests are cancelled with it."""
        registration = self.get_object()
        call_service(services.cancel_registration, user=request.user, registration=registration)
        return self._read(registration)

    @extend_schema(request=DecideSerializer, responses=DecideResultSerializer)
    @action(detail=False, methods=["post"])
    def decide(self, request: Request, event_pk: str) -> Response:
        """Approve or reject registrations in bulk (organisers and staff)."""
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changed = call_service(
            services.decide_registrations,
            rename={"registrations": "ids"},
            user=request.user,
            event=self.event,
            ids=serializer.validated_data["ids"],
            approve=serializer.validated_data["approve"],
        )
        return Response({"changed": changed})


class MarketplacePermission(permissions.BasePermission):
    def has_permission(self, request: Request, view) -> bool:
        return request.user.has_perm("events.view_participants", view.event)

    def has_object_permission(self, request: Request, view, obj: MarketplaceItem) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return request.user.has_perm("events.change_registration", obj.registration)


@extend_schema(parameters=[EVENT_PK])
class MarketplaceItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    EventChildViewSet,
):
    """The event's marketplace: offers, requests and cooperation ideas of approved
    participants. Post, edit and delete your own items."""

    serializer_class = MarketplaceItemSerializer
    permission_classes = [MarketplacePermission]
    filterset_class = MarketplaceFilterSet
    queryset = MarketplaceItem.objects.none()  # for the schema
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[MarketplaceItem]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.marketplace(self.event)

    def get_object(self) -> MarketplaceItem:
        item = super().get_object()
        item.registration.event = self.event
        return item

    def perform_create(self, serializer: MarketplaceItemSerializer) -> None:
        registration = selectors.my_registration(self.request.user, self.event)
        if registration is None:
            raise PermissionDenied("Only the event's participants post in its marketplace.")
        item = call_service(
            services.save_marketplace_item,
            user=self.request.user,
            registration=registration,
            fields=serializer.validated_data,
        )
        serializer.instance = self.get_queryset().get(pk=item.pk)

    def perform_update(self, serializer: MarketplaceItemSerializer) -> None:
        item = serializer.instance
        call_service(
            services.save_marketplace_item,
            user=self.request.user,
            registration=item.registration,
            fields=serializer.validated_data,
            item=item,
        )
        serializer.instance = self.get_queryset().get(pk=item.pk)

    def perform_destroy(self, instance: MarketplaceItem) -> None:
        call_service(services.delete_marketplace_item, user=self.request.user, item=instance)
