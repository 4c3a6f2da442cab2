from rest_framework import serializers

from clusters.models import Organisation

from ..models import ContactRequest, PartnerSuggestion, SuggestionFeedback


class SuggestedOrganisationSerializer(serializers.Serializer):
    """The partner's public profile essentials (no contact data: that is for accepted contacts)."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    country = serializers.CharField()
    city = serializers.CharField()


class PartnerSuggestionSerializer(serializers.ModelSerializer):
    suggested = SuggestedOrganisationSerializer(read_only=True)
    components = serializers.DictField(child=serializers.FloatField(), read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = PartnerSuggestion
        fields = [
            "id",
            "rank",
            "score",
            "components",
            "reasons",
            "already_linked",
            "engine_version",
            "computed_at",
            "suggested",
        ]


class FeedbackSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=SuggestionFeedback.Action.choices)
    reason = serializers.ChoiceField(
        choices=SuggestionFeedback.Reason.choices, required=False, allow_blank=True
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)

    def validate(self, data):
        if data["action"] == SuggestionFeedback.Action.DISMISSED and not data.get("reason"):
            raise serializers.ValidationError({"reason": "Say why you dismiss this suggestion."})
        return data


class ContactRequestSerializer(serializers.ModelSerializer):
    sender = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    recipient = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.published())

    class Meta:
        model = ContactRequest
        fields = ["id", "sender", "recipient", "message", "status", "created_at", "answered_at"]
        read_only_fields = ["status", "created_at", "answered_at"]
