"""Scheduling runs, meetings and agendas over the API. Times are UTC with an offset plus the
event's ``time_zone``; each side of a meeting shows its registration, organisation and the
person's name, never an e-mail address or phone number."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..calendar import meeting_place, online_url
from ..models import Meeting, Registration, ScheduleRun, Slot
from .common import AwareDateTimeField, ModelSerializer
from .request_serializers import EventBriefSerializer, RequestSideSerializer


class ScheduleRunSerializer(ModelSerializer):
    """One press of "Schedule": ``queued``, ``running`` (``progress`` in percent, ``stage`` in
    words), then ``done`` with its ``result`` or ``failed`` with its ``error``."""

    result = serializers.DictField(
        read_only=True,
        help_text="Empty until the run is done; then ``scheduled``, ``new_meetings``, ``kept`` "
        "(meetings already in agendas, never moved), ``unscheduled`` ({request id: reason}), "
        "``unscheduled_by_reason``, ``weight``, ``bound`` (no schedule can do better), "
        "``ratio`` (weight / bound), ``method`` and ``seconds``.",
    )

    class Meta:
        model = ScheduleRun
        fields = [
            "id",
            "status",
            "progress",
            "stage",
            "created_at",
            "started_at",
            "finished_at",
            "result",
            "error",
        ]
        read_only_fields = fields


class MeetingTimesMixin(serializers.Serializer):
    """Where and when: the slot's times, the table (null online) and the online link."""

    starts_at = AwareDateTimeField(source="slot.starts_at", read_only=True)
    ends_at = AwareDateTimeField(source="slot.ends_at", read_only=True)
    time_zone = serializers.CharField(
        source="event.time_zone", read_only=True, help_text="Show the times in this zone."
    )
    online = serializers.BooleanField(source="is_online", read_only=True)
    online_url = serializers.SerializerMethodField(
        help_text="The video link of an online meeting; null on site or when the event has none."
    )
    place = serializers.SerializerMethodField(help_text="Table and venue, or the online link.")

    def get_online_url(self, meeting: Meeting) -> str | None:
        return (online_url(meeting) or None) if meeting.is_online else None

    def get_place(self, meeting: Meeting) -> str:
        return meeting_place(meeting)


class MeetingSerializer(MeetingTimesMixin, ModelSerializer):
    """A meeting as the event's organisers (all of them) and its two participants see it."""

    participants = serializers.SerializerMethodField(help_text="The sender, then the receiver.")

    class Meta:
        model = Meeting
        fields = [
            "id",
            "request",
            "status",
            "locked",
            "slot",
            "starts_at",
            "ends_at",
            "time_zone",
            "table",
            "online",
            "online_url",
            "place",
            "participants",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(RequestSideSerializer(many=True))
    def get_participants(self, meeting: Meeting) -> list[dict[str, Any]]:
        request = meeting.request
        return RequestSideSerializer([request.sender, request.receiver], many=True).data


class MeetingUpdateSerializer(serializers.Serializer):
    """Move a meeting (``slot`` and ``table``; moved meetings are locked) or lock and unlock it
    (``locked``: later scheduling runs never move a locked meeting). Fields left out stay."""

    slot = serializers.PrimaryKeyRelatedField(
        queryset=Slot.objects.none(), required=False, help_text="A slot id of this event."
    )
    table = serializers.IntegerField(
        min_value=1, allow_null=True, required=False, help_text="Null for an online meeting."
    )
    locked = serializers.BooleanField(required=False)

    def __init__(self, *args: Any, event=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if event is not None:
            self.fields["slot"].queryset = Slot.objects.filter(event=event)


class AgendaMeetingSerializer(MeetingTimesMixin, ModelSerializer):
    """One meeting in a participant's agenda, with the person they meet."""

    # A plain string, not an enum: a second component with Meeting.Status would make the
    # schema's enum names collide (MeetingSerializer's is ``MeetingStatusEnum``).
    status = serializers.CharField(read_only=True, help_text="``scheduled`` or ``cancelled``.")
    partner = serializers.SerializerMethodField(help_text="The other side of the meeting.")
    message = serializers.CharField(source="request.message", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "request",
            "status",
            "starts_at",
            "ends_at",
            "time_zone",
            "table",
            "online",
            "online_url",
            "place",
            "partner",
            "message",
        ]
        read_only_fields = fields

    @extend_schema_field(RequestSideSerializer)
    def get_partner(self, meeting: Meeting) -> dict[str, Any]:
        registration: Registration = self.context["registration"]
        return RequestSideSerializer(meeting.request.other(registration)).data


class AgendaSerializer(serializers.Serializer):
    """A participant's meetings in one event, scheduled and cancelled, in time order."""

    registration = serializers.IntegerField(source="pk", read_only=True)
    event = EventBriefSerializer(read_only=True)
    meetings = serializers.SerializerMethodField()

    @extend_schema_field(AgendaMeetingSerializer(many=True))
    def get_meetings(self, registration: Registration) -> list[dict[str, Any]]:
        meetings = self.context["meetings"]
        context = {**self.context, "registration": registration}
        return AgendaMeetingSerializer(meetings, many=True, context=context).data
