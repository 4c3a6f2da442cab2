from django.contrib import admin

from .models import (
    Event,
    KindLimit,
    MarketplaceItem,
    MeetingRating,
    MeetingRequest,
    Registration,
    SessionWindow,
)


class SessionWindowInline(admin.TabularInline):
    model = SessionWindow
    extra = 0


class KindLimitInline(admin.TabularInline):
    model = KindLimit
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "format", "status", "starts_at", "city", "country")
    list_filter = ("status", "kind", "format")
    search_fields = ("name", "city", "venue")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("sectors",)
    raw_id_fields = ("organisers",)
    inlines = [SessionWindowInline, KindLimitInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("person", "organisation", "event", "status", "created_at")
    list_filter = ("status", "event")
    search_fields = ("person__email", "organisation__name", "event__name")
    raw_id_fields = ("person", "organisation", "event", "decided_by")
    list_select_related = ("person", "organisation", "event")
    filter_horizontal = ("availability",)
    autocomplete_fields: tuple = ()


@admin.register(MarketplaceItem)
class MarketplaceItemAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "registration", "created_at")
    list_filter = ("kind",)
    search_fields = ("title", "description", "registration__organisation__name")
    raw_id_fields = ("registration",)


@admin.register(MeetingRequest)
class MeetingRequestAdmin(admin.ModelAdmin):
    list_display = ("event", "sender", "receiver", "status", "created_at", "expires_at")
    list_filter = ("status", "event")
    search_fields = ("sender__organisation__name", "receiver__organisation__name", "message")
    raw_id_fields = ("event", "sender", "receiver", "answered_by")
    list_select_related = (
        "event",
        "sender__organisation",
        "sender__person",
        "receiver__organisation",
        "receiver__person",
    )


@admin.register(MeetingRating)
class MeetingRatingAdmin(admin.ModelAdmin):
    list_display = ("request", "registration", "round", "took_place", "outcome")
    list_filter = ("round", "outcome", "took_place")
    raw_id_fields = ("request", "registration")
