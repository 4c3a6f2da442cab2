from django.contrib import admin

from .models import PartnerSuggestion, ProfileEmbedding, SuggestionFeedback, SuggestionRun


@admin.register(SuggestionRun)
class SuggestionRunAdmin(admin.ModelAdmin):
    list_display = (
        "created_at", "scope", "organisation", "status", "done", "total", "engine_version",
        "finished_at",
    )  # fmt: skip
    list_filter = ("scope", "status", "engine_version")
    search_fields = ("organisation__name", "error")
    raw_id_fields = ("organisation",)
    readonly_fields = ("created_at", "started_at", "finished_at")


@admin.register(PartnerSuggestion)
class PartnerSuggestionAdmin(admin.ModelAdmin):
    list_display = ("organisation", "rank", "suggested", "score", "already_linked", "computed_at")
    list_filter = ("already_linked", "engine_version")
    search_fields = ("organisation__name", "suggested__name")
    raw_id_fields = ("organisation", "suggested")
    list_select_related = ("organisation", "suggested")


@admin.register(SuggestionFeedback)
class SuggestionFeedbackAdmin(admin.ModelAdmin):
    list_display = ("organisation", "suggested", "action", "reason", "user", "created_at")
    list_filter = ("action", "reason")
    search_fields = ("organisation__name", "suggested__name", "note")
    raw_id_fields = ("organisation", "suggested", "user")
    list_select_related = ("organisation", "suggested", "user")


@admin.register(ProfileEmbedding)
class ProfileEmbeddingAdmin(admin.ModelAdmin):
    """Read-only: written by the embedding tasks, re-encoded when a profile's texts change."""

    list_display = ("organisation", "model_name", "dimensions", "updated_at")
    list_filter = ("model_name",)
    search_fields = ("organisation__name",)
    list_select_related = ("organisation",)
    fields = ("organisation", "model_name", "text_hash", "dimensions", "updated_at")
    readonly_fields = fields

    @admin.display(description="dimensions")
    def dimensions(self, obj: ProfileEmbedding) -> int:
        return len(obj.offers_vector) // 4

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
