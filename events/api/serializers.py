"""Events over the API: times in UTC with an offset (plus the event's ``time_zone``), nested
session windows and per-kind limits; the organisers and the meeting link only for those who
need them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from clusters.models import Sector

from .. import selectors
from ..models import Event, EventStatus, SessionWindow
from ..rules import registrations_of
from .common import ModelSerializer


class WindowSerializer(ModelSerializer):
    """A meeting session; sent windows replace the event's (unchanged ones keep their id)."""

    class Meta:
        model = SessionWindow
        fields = ["id", "starts_at", "ends_at", "label"]
        read_only_fields = ["id"]


class KindLimitsField(serializers.DictField):
    """``{organisation kind: most meetings}``, e.g. ``{"investor": 6}``; kinds left out have the
    event's limit."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(child=serializers.IntegerField(min_value=1, max_value=200), **kwargs)

    def to_representation(self, value) -> dict[str, int]:
        return {limit.kind: limit.max_meetings for limit in value.all()}


class MyRegistrationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class EventCountsSerializer(serializers.Serializer):
    """What anyone may see of an event's activity: counts, never names."""

    participants = serializers.IntegerField()
    organisations = serializers.IntegerField()
    countries = serializers.IntegerField()
    marketplace_items = serializers.IntegerField()
    meetings = serializers.IntegerField(help_text="Accepted meeting requests.")


class EventSerializer(ModelSerializer):
    """Writes go through events.services (create_event, update_event); ``status`` changes only
    through the status action, which checks the allowed transitions."""

    sectors = serializers.SlugRelatedField(
        slug_field="code", queryset=Sector.objects.all(), many=True, required=False
    )
    organisers = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        many=True,
        required=False,
        help_text="User ids; shown only to the event's organisers and staff.",
    )
    windows = WindowSerializer(many=True, required=False)
    kind_limits = KindLimitsField()
    participant_count = serializers.IntegerField(read_only=True, help_text="Approved participants.")
    registration_open = serializers.SerializerMethodField()
    my_registration = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "slug",
            "name",
            "kind",
            "format",
            "status",
            "description",
            "venue",
            "city",
            "country",
            "time_zone",
            "starts_at",
            "ends_at",
            "registration_opens_at",
            "registration_deadline",
            "registration_open",
            "meeting_minutes",
            "break_minutes",
            "tables",
            "online_meeting_url",
            "requires_approval",
            "requests_need_acceptance",
            "request_expiry",
            "max_meetings",
            "reminder_minutes",
            "sectors",
            "organisers",
            "windows",
            "kind_limits",
            "participant_count",
            "my_registration",
            "counts",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["slug", "status", "created_at", "updated_at"]
        extra_kwargs = {
            "online_meeting_url": {"help_text": "Shown to participants, organisers and staff."}
        }

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_registration_open(self, event: Event) -> bool:
        return event.registration_state()[0]

    @extend_schema_field(MyRegistrationSerializer(allow_null=True))
    def get_my_registration(self, event: Event) -> dict[str, Any] | None:
        """The requesting user's registration, so a client knows what to PATCH or cancel."""
        mine = registrations_of(self._user).get(event.pk)
        return {"id": mine[0], "status": mine[1]} if mine else None

    @extend_schema_field(EventCountsSerializer(allow_null=True))
    def get_counts(self, event: Event) -> dict[str, int] | None:
        """On one event only (null in lists: five counts per row would be five queries)."""
        return selectors.event_counts(event) if self.context.get("with_counts") else None

    @property
    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def to_representation(self, event: Event) -> dict[str, Any]:
        data = super().to_representation(event)
        user = self._user
        if user is None or not user.has_perm("events.change_event", event):
            data.pop("organisers", None)
        if user is None or not user.has_perm("events.view_participants", event):
            data.pop("online_meeting_url", None)
        return data

    @staticmethod
    def split(validated: dict[str, Any]) -> tuple[dict[str, Any], list | None, dict | None]:
        """(event fields, windows as (start, end, label) or None, kind limits or None): the
        shapes the services take; None leaves windows or limits as they are."""
        fields = dict(validated)
        windows = fields.pop("windows", None)
        if windows is not None:
            windows = [(w["starts_at"], w["ends_at"], w.get("label", "")) for w in windows]
        return fields, windows, fields.pop("kind_limits", None)


@extend_schema_serializer(component_name="EventTransition")
class EventStatusSerializer(serializers.Serializer):
    """The status to move the event to; labelled as the organiser's action, not the state."""

    status = serializers.ChoiceField(
        choices=[
            (EventStatus.PUBLISHED, "Publish"),
            (EventStatus.REGISTRATION_CLOSED, "Close registration"),
            (EventStatus.FINISHED, "Mark as finished"),
            (EventStatus.CANCELLED, "Cancel"),
            (EventStatus.DRAFT, "Back to draft (unpublish)"),
        ]
    )
