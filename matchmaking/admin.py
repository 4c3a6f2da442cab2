from django.contrib import admin

from .models import PartnerSuggestion, SuggestionFeedback, SuggestionRun


@admin.register(SuggestionRun)
class SuggestionRunAdmin(admin.ModelAdmin):
    list_display = ("created_at", "scope", "organisation", "status", "done", "total", "finished_at")
    list_filter = ("scope", "status")
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
