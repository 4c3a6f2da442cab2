"""Impact reports over the API: figures validated by the services, decisions with a comment."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import (
    FIGURES,
    ImpactReport,
    Partnership,
)


class ImpactReportSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:impact-report-detail")
    partnership = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    partnership_name = serializers.CharField(source="partnership.name", read_only=True)

    class Meta:
        model = ImpactReport
        fields = [
            "id",
            "url",
            "partnership",
            "partnership_name",
            "period_start",
            "period_end",
            "status",
            *FIGURES,
            "notes",
            "officer_comment",
            "submitted_at",
            "decided_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ImpactReportUpdateSerializer(serializers.ModelSerializer):
    """A draft or returned report's period, figures and notes; what is left out stays."""

    class Meta:
        model = ImpactReport
        fields = ["period_start", "period_end", *FIGURES, "notes"]
        extra_kwargs = {name: {"required": False} for name in fields}

    def service_arguments(self) -> dict[str, Any]:
        """Keyword arguments of create_report / update_report."""
        data = dict(self.validated_data)
        figures = {name: data.pop(name) for name in FIGURES if name in data}
        return {**data, "figures": figures}


class ImpactReportCreateSerializer(ImpactReportUpdateSerializer):
    """A new draft for a period; figures left out are filled in from the partnership's
    events of the period (meetings held, cooperation cases, MoUs), or 0."""

    partnership = serializers.CharField(max_length=220, help_text="The partnership's slug.")

    class Meta(ImpactReportUpdateSerializer.Meta):
        fields = ["partnership", *ImpactReportUpdateSerializer.Meta.fields]
        extra_kwargs = {"notes": {"required": False}}

    def validate_partnership(self, slug: str) -> Partnership:
        partnership = self.context["partnerships"].filter(slug=slug).first()
        if partnership is None:
            raise serializers.ValidationError(f"No partnership you can see has the slug “{slug}”.")
        return partnership


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(
        allow_blank=True, required=False, max_length=5000, help_text="Shown to the coordinator."
    )


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, help_text="What needs to change.")
