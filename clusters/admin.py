"""Django admin for staff: every model, with search and list filters."""

from django.contrib import admin
from django.db import models
from django.utils import timezone

from .models import (
    SME,
    Call,
    ClusterOrganisation,
    CollaborationType,
    EmergingIndustry,
    ExportJob,
    ImpactReport,
    ImportJob,
    IndustrialEcosystem,
    Membership,
    Organisation,
    OrganisationRole,
    Partnership,
    PartnershipMember,
    Programme,
    Region,
    SavedSearch,
    SavedSearchDigest,
    Sector,
    Technology,
    ThematicArea,
    Topic,
)


@admin.register(Sector, IndustrialEcosystem, EmergingIndustry, Technology, CollaborationType, Topic)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(ThematicArea)
class ThematicAreaAdmin(TaxonomyAdmin):
    list_display = ("name", "code", "platform")
    list_filter = ("platform",)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "country", "parent")
    list_filter = ("level", "country")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "cluster"
    raw_id_fields = ("member",)
    extra = 0


class RoleInline(admin.TabularInline):
    model = OrganisationRole
    raw_id_fields = ("user",)
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "country",
        "status",
        "label",
        "verified",
        "completeness",
        "updated_at",
    )
    list_filter = ("kind", "status", "verified", "label", "country", "ecosystems")
    search_fields = ("name", "acronym", "city", "slug")
    list_select_related = ("region",)
    raw_id_fields = ("region", "verified_by")
    filter_horizontal = (
        "sectors",
        "ecosystems",
        "emerging_industries",
        "technologies",
        "thematic_areas",
        "offers_topics",
        "looks_for_topics",
        "collaboration_types",
    )
    readonly_fields = ("completeness", "created_at", "updated_at", "published_at", "verified_at")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [RoleInline, MembershipInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change) -> None:
        # Digests and "new" lists look at published_at: publishing here must set it too.
        if obj.status == Organisation.Status.PUBLISHED and obj.published_at is None:
            obj.published_at = timezone.now()
        super().save_model(request, obj, form, change)

    date_hierarchy = "updated_at"


@admin.register(ClusterOrganisation)
class ClusterOrganisationAdmin(OrganisationAdmin):
    list_filter = ("status", "verified", "label", "country")


@admin.register(SME)
class SMEAdmin(OrganisationAdmin):
    list_filter = ("status", "verified", "size_class", "country")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("cluster", "member", "joined")
    search_fields = ("cluster__name", "member__name")
    list_filter = ("member__kind",)
    raw_id_fields = ("cluster", "member")
    list_select_related = ("cluster", "member")


@admin.register(OrganisationRole)
class OrganisationRoleAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "organisation__name")
    raw_id_fields = ("user", "organisation")
    list_select_related = ("user", "organisation")


class SavedSearchDigestInline(admin.TabularInline):
    model = SavedSearchDigest
    extra = 0
    fields = ("week", "sent_at", "organisation_count")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "digest", "created_at")
    list_filter = ("digest",)
    search_fields = ("user__email", "name")
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [SavedSearchDigestInline]


@admin.register(SavedSearchDigest)
class SavedSearchDigestAdmin(admin.ModelAdmin):
    list_display = ("saved_search", "week", "sent_at", "organisation_count")
    search_fields = ("saved_search__user__email", "saved_search__name")
    raw_id_fields = ("saved_search",)
    list_select_related = ("saved_search",)
    date_hierarchy = "week"


class CallInline(admin.TabularInline):
    model = Call
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
    inlines = [CallInline]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "programme", "year")
    list_filter = ("programme", "year")
    search_fields = ("code", "name")
    list_select_related = ("programme",)


class PartnershipMemberInline(admin.TabularInline):
    model = PartnershipMember
    extra = 0
    raw_id_fields = ("organisation",)


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ("name", "acronym", "type", "programme", "call", "phase", "status")
    list_filter = ("type", "phase", "status", "programme")
    search_fields = ("name", "acronym")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("coordinator",)
    filter_horizontal = ("thematic_areas", "sectors")
    list_select_related = ("programme", "call")
    inlines = [PartnershipMemberInline]


@admin.register(PartnershipMember)
class PartnershipMemberAdmin(admin.ModelAdmin):
    list_display = ("partnership", "organisation", "role", "joined_on")
    list_filter = ("role",)
    search_fields = ("partnership__name", "organisation__name")
    raw_id_fields = ("partnership", "organisation")
    list_select_related = ("partnership", "organisation")


@admin.register(ImpactReport)
class ImpactReportAdmin(admin.ModelAdmin):
    list_display = ("partnership", "period_start", "period_end", "status", "smes_reached")
    list_filter = ("status",)
    search_fields = ("partnership__name", "partnership__acronym")
    raw_id_fields = ("partnership", "submitted_by", "decided_by")
    list_select_related = ("partnership",)


class JobAdmin(admin.ModelAdmin):
    """Jobs are written by the workers: staff look, and may delete, but never edit."""

    list_filter = ("kind", "status")
    search_fields = ("created_by__email",)
    list_select_related = ("created_by",)
    raw_id_fields = ("created_by",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ExportJob)
class ExportJobAdmin(JobAdmin):
    list_display = (
        "pk",
        "kind",
        "format",
        "status",
        "rows_done",
        "rows_total",
        "created_by",
        "created_at",
    )


@admin.register(ImportJob)
class ImportJobAdmin(JobAdmin):
    list_display = (
        "pk",
        "kind",
        "original_name",
        "status",
        "rows_total",
        "created_by",
        "created_at",
    )
    search_fields = ("created_by__email", "original_name")
