"""Meeting requests and their ratings over the API. Each side shows its organisation and the
person's name, never their e-mail address or phone number."""

from __future__ import annotations

from rest_framework import serializers

from ..models import MeetingRating, MeetingRequest, Registration
from .common import ModelSerializer, OrganisationBriefSerializer


class EventBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    time_zone = serializers.CharField(read_only=True)


class RequestSideSerializer(serializers.Serializer):
    """One participant of a request: their registration id, organisation and name."""

    registration = serializers.IntegerField(source="pk", read_only=True)
    organisation = OrganisationBriefSerializer(read_only=True)
    person_name = serializers.CharField(source="person.get_full_name", read_only=True)


class MeetingRequestSerializer(ModelSerializer):
    event = EventBriefSerializer(read_only=True)
    sender = RequestSideSerializer(read_only=True)
    receiver = RequestSideSerializer(read_only=True)
    direction = serializers.SerializerMethodField(
        help_text="``incoming`` when it was sent to you, ``outgoing`` when you sent it."
    )

    class Meta:
        model = MeetingRequest
        fields = [
            "id",
            "event",
            "sender",
            "receiver",
            "direction",
            "message",
            "status",
            "priority",
            "part_of_day",
            "must_be_online",
            "created_at",
            "expires_at",
            "answered_at",
        ]
        read_only_fields = fields

    def get_direction(self, request: MeetingRequest) -> str:
        user = self.context["request"].user
        return "incoming" if request.receiver.person_id == user.pk else "outgoing"


class MeetingRequestCreateSerializer(serializers.Serializer):
    """Ask a participant for a meeting; you send as your registration in their event."""

    receiver = serializers.PrimaryKeyRelatedField(
        queryset=Registration.objects.all(), help_text="The other participant's registration id."
    )
    message = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    part_of_day = serializers.ChoiceField(
        choices=[("", "Any time"), ("morning", "Morning only"), ("afternoon", "Afternoon only")],
        required=False,
        allow_blank=True,
        help_text="The scheduler places the meeting in this part of the day.",
    )
    must_be_online = serializers.BooleanField(
        required=False, default=False, help_text="Meet online (hybrid events only)."
    )


class MeetingRatingSerializer(ModelSerializer):
    """Your word on a meeting held; rating a round again corrects your earlier answer."""

    class Meta:
        model = MeetingRating
        fields = ["id", "request", "round", "took_place", "outcome", "comment", "created_at"]
        read_only_fields = ["id", "request", "created_at"]
        extra_kwargs = {"comment": {"max_length": 2000}}
