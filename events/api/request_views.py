"""Meeting requests over the API: the requesting user's own, in every event they take part in;
send, accept, decline, cancel and rate through events.services."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework import status as http_status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from .. import selectors, services
from ..filters import MeetingRequestFilterSet
from ..models import MeetingRequest, Registration
from ..rules import registrations_of
from .common import call_service
from .request_serializers import (
    MeetingRatingSerializer,
    MeetingRequestCreateSerializer,
    MeetingRequestSerializer,
)


class MeetingRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Requests you sent or received (others' are 404). Only the receiver accepts or declines
    (403 for the sender); the sender withdraws a pending one, either side calls off an
    accepted one; both rate the meeting after the event."""

    serializer_class = MeetingRequestSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = MeetingRequestFilterSet
    queryset = MeetingRequest.objects.none()  # for the schema; get_queryset is per user

    def get_queryset(self) -> QuerySet[MeetingRequest]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.requests_for_user(self.request.user)

    def _read(self, meeting: MeetingRequest, code: int = http_status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=meeting.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        request=MeetingRequestCreateSerializer,
        responses={
            201: MeetingRequestSerializer,
            200: OpenApiResponse(
                MeetingRequestSerializer,
                description="They had already asked you: no new request is made, theirs is "
                "accepted and returned (status ``accepted``, direction ``incoming``).",
            ),
        },
        description="Send as your registration in the receiver's event. Refusals are 400s "
        "naming the field: ``receiver`` (not in your event, your own organisation, a request "
        "already open between you), ``sender`` (your registration is not approved), "
        "``event`` (cancelled or over).",
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = MeetingRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        receiver = serializer.validated_data["receiver"]
        mine = registrations_of(request.user).get(receiver.event_id)
        if mine is None:
            raise serializers.ValidationError(
                {"receiver": "You do not take part in this participant's event."}
            )
        sender = Registration.objects.get(pk=mine[0])
        meeting = call_service(
            services.send_request,
            user=request.user,
            sender=sender,
            receiver=receiver,
            message=serializer.validated_data.get("message", ""),
            part_of_day=serializer.validated_data.get("part_of_day", ""),
            must_be_online=serializer.validated_data.get("must_be_online", False),
        )
        mutual = meeting.sender_id != sender.pk
        return self._read(
            meeting, http_status.HTTP_200_OK if mutual else http_status.HTTP_201_CREATED
        )

    def _answer(self, request: Request, accept: bool) -> Response:
        meeting = self.get_object()
        call_service(services.answer_request, user=request.user, request=meeting, accept=accept)
        return self._read(meeting)

    @extend_schema(request=None, responses=MeetingRequestSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Accept a pending request sent to you."""
        return self._answer(request, True)

    @extend_schema(request=None, responses=MeetingRequestSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        """Decline a pending request sent to you."""
        return self._answer(request, False)

    @extend_schema(request=None, responses=MeetingRequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw your pending request, or call off an accepted meeting."""
        meeting = self.get_object()
        call_service(services.cancel_request, user=request.user, request=meeting)
        return self._read(meeting)

    @extend_schema(request=MeetingRatingSerializer, responses=MeetingRatingSerializer)
    @action(detail=True, methods=["post"])
    def rate(self, request: Request, pk: str | None = None) -> Response:
        """Rate an accepted meeting: ``after_event`` once the event ended, ``six_months``
        about five months later."""
        meeting = self.get_object()
        serializer = MeetingRatingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rating = call_service(
            services.rate_meeting, user=request.user, request=meeting, **serializer.validated_data
        )
        return Response(MeetingRatingSerializer(rating).data)
