"""Strategic cluster partnerships funded by EU programmes, their members and impact reports."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from .organisations import Organisation


class Programme(models.Model):
    """A funding programme, e.g. COSME Clusters Go International (ESCP-4i) or INNOSUP-1."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Call(models.Model):
    """One call for proposals of a programme, e.g. COS-CLUSINT-2014-3-01."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="calls")
    code = models.CharField(max_length=60)
    name = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField(validators=[MinValueValidator(1990)])

    class Meta:
        ordering = ["programme", "year", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "code"],
                name="one_call_code_per_programme",
                violation_error_message="This programme already has a call with this code.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.year})"


class PartnershipType(models.TextChoices):
    ESCP_4I = "escp_4i", "ESCP-4i (going international)"
    ESCP_S3 = "escp_s3", "ESCP-S3 (smart specialisation)"
    CLUSTER_EXCELLENCE = "cluster_excellence", "Cluster Excellence"
    JOINT_CLUSTER_INITIATIVE = "jci", "Joint Cluster Initiative"
    INTERREGIONAL = "interregional", "Interregional"
    OTHER = "other", "Other"


class PartnershipPhase(models.TextChoices):
    PREPARATORY = "preparatory", "Preparatory"
    IMPLEMENTATION = "implementation", "Implementation"
    INVESTMENT = "investment", "Investment"


class PartnershipStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Partnership(models.Model):
    Type = PartnershipType
    Phase = PartnershipPhase
    Status = PartnershipStatus

    name = models.CharField(max_length=200)
    acronym = models.CharField(max_length=40, blank=True)
    slug = models.SlugField(max_length=220, unique=True)
    type = models.CharField(max_length=20, choices=PartnershipType.choices, db_index=True)
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="partnerships"
    )
    call = models.ForeignKey(
        Call, null=True, blank=True, on_delete=models.PROTECT, related_name="partnerships"
    )
    phase = models.CharField(max_length=15, choices=PartnershipPhase.choices, blank=True)
    status = models.CharField(
        max_length=10, choices=PartnershipStatus.choices, default=PartnershipStatus.DRAFT
    )
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    eu_budget = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="EU contribution in euro.",
    )
    coordinator = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="coordinated_partnerships",
    )
    members = models.ManyToManyField(
        Organisation, through="PartnershipMember", related_name="partnerships"
    )
    target_countries = models.CharField(
        max_length=400,
        blank=True,
        help_text="Third countries targeted (ISO codes, comma-separated).",
    )
    thematic_areas = models.ManyToManyField("clusters.ThematicArea", blank=True, related_name="+")
    sectors = models.ManyToManyField("clusters.Sector", blank=True, related_name="partnerships")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="partnership_ends_after_start",
                violation_error_message="A partnership ends after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(eu_budget__isnull=True) | Q(eu_budget__gte=0),
                name="partnership_budget_not_negative",
                violation_error_message="The EU budget cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return self.acronym or self.name


class PartnershipMember(models.Model):
    class Role(models.TextChoices):
        COORDINATOR = "coordinator", "Coordinator"
        PARTNER = "partner", "Partner"
        ASSOCIATE = "associate", "Associated partner"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="partnership_memberships"
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.PARTNER)
    joined_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["partnership", "role", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organisation"],
                name="one_membership_per_partnership",
                violation_error_message="This organisation is already a member.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()}) in {self.partnership}"


FIGURES = (
    "smes_reached",
    "smes_supported",
    "b2b_meetings",
    "c2c_events",
    "mous",
    "collaboration_projects",
    "cooperation_cases",
)


class ImpactReport(models.Model):
    """What a partnership achieved in one period; submitted by its coordinator, approved or
    returned by a programme officer."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned for changes"

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="impact_reports"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    smes_reached = models.PositiveIntegerField(default=0)
    smes_supported = models.PositiveIntegerField(default=0, help_text="Supported directly.")
    b2b_meetings = models.PositiveIntegerField(default=0)
    c2c_events = models.PositiveIntegerField(default=0, help_text="Cluster-to-cluster events.")
    mous = models.PositiveIntegerField(default=0, help_text="Memoranda of understanding.")
    collaboration_projects = models.PositiveIntegerField(default=0)
    cooperation_cases = models.PositiveIntegerField(
        default=0, help_text="Business cooperation cases."
    )
    notes = models.TextField(blank=True)
    officer_comment = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["partnership", "period_start"]
        # Periods of one partnership never overlap: an exclusion constraint on PostgreSQL
        # (migration 0006), checked by the services everywhere.
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="report_period_ends_after_start",
                violation_error_message="A period ends after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(smes_supported__lte=F("smes_reached")),
                name="report_supported_within_reached",
                violation_error_message="SMEs supported directly cannot exceed SMEs reached.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partnership}: {self.period_start} to {self.period_end}"
