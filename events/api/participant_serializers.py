"""Registrations and marketplace items over the API. Participants see each other's
organisation, name, topics and interests; e-mail addresses and phone numbers only organisers
and staff (``contact``, null for everyone else)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clusters.models import Organisation, Sector, Technology

from ..models import MarketplaceItem, Registration, SessionWindow, Slot
from .common import ModelSerializer, OrganisationBriefSerializer, TopicNamesField


class ParticipantOrganisationSerializer(OrganisationBriefSerializer):
    sectors = serializers.SerializerMethodField(help_text="Sector codes.")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_sectors(self, organisation: Organisation) -> list[str]:
        return [sector.code for sector in organisation.sectors.all()]  # prefetched


class ContactSerializer(serializers.Serializer):
    """Personal contact data: for the event's organisers and staff only."""

    person_email = serializers.EmailField(source="person.email")
    organisation_email = serializers.EmailField(source="organisation.contact_email")
    organisation_phone = serializers.CharField(source="organisation.contact_phone")


class RegistrationSerializer(ModelSerializer):
    organisation = ParticipantOrganisationSerializer(read_only=True)
    person_name = serializers.SerializerMethodField()
    availability = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Session window ids; none means all of them."
    )
    blocked_slots = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Meeting times (slot ids) this person cannot make."
    )
    topics = TopicNamesField(read_only=True)
    contact = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id",
            "event",
            "status",
            "organisation",
            "person_name",
            "availability",
            "blocked_slots",
            "max_meetings",
            "topics",
            "interests",
            "contact",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_person_name(self, registration: Registration) -> str:
        return registration.person.get_full_name()

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, registration: Registration) -> dict[str, Any] | None:
        # Decided once per request by the view: a per-row permission check would cost queries.
        if not self.context.get("show_contact"):
            return None
        return ContactSerializer(registration).data


class RegistrationUpdateSerializer(serializers.Serializer):
    """What a participant (or an organiser) may change; fields left out stay as they are."""

    availability = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=SessionWindow.objects.all(),
        required=False,
        help_text="Session window ids of this event; empty means all of them.",
    )
    blocked_slots = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Slot.objects.all(),
        required=False,
        help_text="Meeting times (slot ids of this event) you cannot make, e.g. a plenary.",
    )
    max_meetings = serializers.IntegerField(
        min_value=1,
        max_value=200,
        allow_null=True,
        required=False,
        help_text="At most this many meetings (never more than the event allows).",
    )
    topics = TopicNamesField(help_text="Topic names; new ones are created.")
    interests = serializers.CharField(max_length=2000, allow_blank=True, required=False)


class RegistrationCreateSerializer(RegistrationUpdateSerializer):
    """Register the requesting user for one of their organisations."""

    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), help_text="An organisation you belong to."
    )


class DecideSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(), min_length=1, max_length=1000, help_text="Registrations."
    )
    approve = serializers.BooleanField(help_text="True approves, false rejects.")


class DecideResultSerializer(serializers.Serializer):
    changed = serializers.IntegerField(help_text="Registrations whose status changed.")


class MarketplaceItemSerializer(ModelSerializer):
    """An offer, request or cooperation; the organisation is the poster's, never editable."""

    sectors = serializers.SlugRelatedField(
        slug_field="code", queryset=Sector.objects.all(), many=True, required=False
    )
    technologies = serializers.SlugRelatedField(
        slug_field="code", queryset=Technology.objects.all(), many=True, required=False
    )
    organisation = OrganisationBriefSerializer(source="registration.organisation", read_only=True)

    class Meta:
        model = MarketplaceItem
        fields = [
            "id",
            "kind",
            "title",
            "description",
            "sectors",
            "technologies",
            "registration",
            "organisation",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["registration", "created_at", "updated_at"]
