"""API representations: tags as codes, contact data only for those allowed to see it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries.serializer_fields import CountryField
from rest_framework import serializers
from rest_framework.fields import get_error_detail

from .. import services
from ..models import (
    CollaborationType,
    EmergingIndustry,
    IndustrialEcosystem,
    Organisation,
    Region,
    Sector,
    Technology,
    ThematicArea,
)

CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")


def _codes(model, source: str | None = None) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="code", queryset=model.objects.all(), many=True, required=False, source=source
    )


class TopicNamesField(serializers.ListField):
    """Topics as a list of names: free tags, created on first use by the service."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            child=serializers.CharField(max_length=80), required=False, max_length=30, **kwargs
        )

    def to_representation(self, value) -> list[str]:
        return [topic.name for topic in value.all()]


class TaxonomySerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class ThematicAreaSerializer(TaxonomySerializer):
    platform = serializers.CharField(read_only=True)


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "country", "parent"]


class OrganisationSerializer(serializers.ModelSerializer):
    """Writes go through clusters.services, so the API and the pages enforce the same rules."""

    url = serializers.HyperlinkedIdentityField(view_name="api:organisation-detail")
    country = CountryField()
    target_countries = serializers.ListField(child=CountryField(), required=False, max_length=60)
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False, allow_null=True
    )
    sectors = _codes(Sector)
    ecosystems = _codes(IndustrialEcosystem)
    emerging_industries = _codes(EmergingIndustry)
    technologies = _codes(Technology)
    thematic_areas = _codes(ThematicArea)
    collaboration_types = _codes(CollaborationType)
    offers_topics = TopicNamesField()
    looks_for_topics = TopicNamesField()
    label_is_valid = serializers.BooleanField(read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "url",
            "slug",
            "name",
            "acronym",
            "kind",
            "status",
            "country",
            "region",
            "city",
            "latitude",
            "longitude",
            "website",
            "website_in_english",
            "description",
            "founded_year",
            "sectors",
            "ecosystems",
            "emerging_industries",
            "technologies",
            "thematic_areas",
            "offers",
            "offers_topics",
            "looks_for",
            "looks_for_topics",
            "target_countries",
            "collaboration_types",
            "member_count",
            "staff_fte",
            "label",
            "label_valid_until",
            "label_is_valid",
            "size_class",
            "turnover_band",
            *CONTACT_FIELDS,
            "verified",
            "completeness",
            "published_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "slug",
            "status",
            "verified",
            "completeness",
            "published_at",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, instance: Organisation) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.has_perm("clusters.view_organisation_contact", instance):
            for name in CONTACT_FIELDS:
                data.pop(name, None)
        return data

    def _run(self, fn, **kwargs) -> Organisation:
        try:
            return fn(**kwargs)
        except DjangoValidationError as error:
            raise serializers.ValidationError(get_error_detail(error)) from error

    def create(self, validated_data: dict[str, Any]) -> Organisation:
        user = self.context["request"].user
        return self._run(services.organisation_create, user=user, fields=validated_data)

    def update(self, instance: Organisation, validated_data: dict[str, Any]) -> Organisation:
        return self._run(services.organisation_update, organisation=instance, fields=validated_data)
