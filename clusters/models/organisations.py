"""Organisations (every actor in one table), their people and their cluster memberships."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django_countries.fields import CountryField

from .taxonomies import (
    CollaborationType,
    EmergingIndustry,
    IndustrialEcosystem,
    Region,
    Sector,
    Technology,
    ThematicArea,
    Topic,
)


class OrganisationKind(models.TextChoices):
    CLUSTER = "cluster", "Cluster organisation"
    SME = "sme", "SME"
    LARGE_COMPANY = "large_company", "Large company"
    RTO = "rto", "Research / technology organisation"
    UNIVERSITY = "university", "University"
    INCUBATOR = "incubator", "Incubator / accelerator"
    PUBLIC_AUTHORITY = "public_authority", "Public authority"
    INVESTOR = "investor", "Investor"
    OTHER = "other", "Other"


class OrganisationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class ClusterLabel(models.TextChoices):
    NONE = "", "No label"
    BRONZE = "bronze", "ESCA Bronze"
    SILVER = "silver", "ESCA Silver"
    GOLD = "gold", "ESCA Gold"


class SizeClass(models.TextChoices):
    """EU SME definition (Recommendation 2003/361/EC) by headcount."""

    MICRO = "micro", "Micro (< 10 staff)"
    SMALL = "small", "Small (< 50 staff)"
    MEDIUM = "medium", "Medium (< 250 staff)"


class TurnoverBand(models.TextChoices):
    UNDER_2M = "lt2m", "Up to EUR 2 million"
    UNDER_10M = "lt10m", "EUR 2-10 million"
    UNDER_50M = "lt50m", "EUR 10-50 million"
    OVER_50M = "gt50m", "Over EUR 50 million"


def _current_year() -> int:
    return timezone.now().year


class OrganisationQuerySet(models.QuerySet):
    def published(self) -> OrganisationQuerySet:
        return self.filter(status=OrganisationStatus.PUBLISHED)

    def clusters(self) -> OrganisationQuerySet:
        return self.filter(kind=OrganisationKind.CLUSTER)

    def smes(self) -> OrganisationQuerySet:
        return self.filter(kind=OrganisationKind.SME)


class Organisation(models.Model):
    """Any actor on the platform; ``kind`` says which, proxies give kinds their own manager."""

    Kind = OrganisationKind
    Status = OrganisationStatus
    Label = ClusterLabel

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    acronym = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices, db_index=True)
    status = models.CharField(
        max_length=10,
        choices=OrganisationStatus.choices,
        default=OrganisationStatus.DRAFT,
        db_index=True,
    )

    # Where
    country = CountryField(db_index=True)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organisations",
        help_text="NUTS region (level 2 or 3 is most precise).",
    )
    city = models.CharField(max_length=120, blank=True)
    latitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    # Who
    website = models.URLField(blank=True)
    website_in_english = models.BooleanField("website available in English", default=False)
    description = models.TextField(blank=True)
    founded_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )

    # What
    sectors = models.ManyToManyField(Sector, blank=True, related_name="organisations")
    emerging_industries = models.ManyToManyField(
        EmergingIndustry, blank=True, related_name="organisations"
    )
    ecosystems = models.ManyToManyField(
        IndustrialEcosystem, blank=True, related_name="organisations"
    )
    technologies = models.ManyToManyField(Technology, blank=True, related_name="organisations")
    thematic_areas = models.ManyToManyField(ThematicArea, blank=True, related_name="organisations")
    offers = models.TextField("what it offers", blank=True)
    offers_topics = models.ManyToManyField(Topic, blank=True, related_name="offered_by")
    looks_for = models.TextField("what it looks for", blank=True)
    looks_for_topics = models.ManyToManyField(Topic, blank=True, related_name="looked_for_by")
    target_countries = CountryField(multiple=True, blank=True)
    collaboration_types = models.ManyToManyField(
        CollaborationType, blank=True, related_name="organisations"
    )

    # Cluster organisations
    member_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Members declared by the cluster (registered or not)."
    )
    staff_fte = models.DecimalField(
        "staff (full-time equivalent)",
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    label = models.CharField(
        max_length=10, choices=ClusterLabel.choices, blank=True, default=ClusterLabel.NONE
    )
    label_valid_until = models.DateField(null=True, blank=True)

    # SMEs
    size_class = models.CharField(max_length=10, choices=SizeClass.choices, blank=True)
    turnover_band = models.CharField(max_length=10, choices=TurnoverBand.choices, blank=True)

    # Contact person: never shown to anonymous visitors (see clusters/rules.py).
    contact_name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)

    # Platform bookkeeping
    verified = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(null=True, blank=True)
    completeness = models.PositiveSmallIntegerField(
        default=0, help_text="Share of the profile filled in, 0-100, computed in the background."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # Weighted full-text document (PostgreSQL only), kept current by clusters/search.py;
    # its GIN index and the trigram index on name are created by migration 0003.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(label="") | models.Q(kind=OrganisationKind.CLUSTER),
                name="organisation_label_only_for_clusters",
                violation_error_message="Only cluster organisations carry a cluster label.",
            ),
            models.CheckConstraint(
                condition=models.Q(label="") | models.Q(label_valid_until__isnull=False),
                name="organisation_label_has_validity",
                violation_error_message="A cluster label needs a valid-until date.",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "status", "country"]),
            # Measured with `make bench` (100,000 rows): ORDER BY name LIMIT 25 over published
            # profiles reads 25 index entries instead of sorting every match...
            models.Index(
                fields=["name", "id"],
                condition=models.Q(status="published"),
                name="org_published_name",
            ),
            # ...and the label filter reads labelled profiles only.
            models.Index(
                fields=["label_valid_until", "label"],
                condition=models.Q(status="published") & ~models.Q(label=""),
                name="org_valid_label",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clusters:organisation-detail", kwargs={"slug": self.slug})

    @property
    def is_cluster(self) -> bool:
        return self.kind == OrganisationKind.CLUSTER

    @property
    def is_published(self) -> bool:
        return self.status == OrganisationStatus.PUBLISHED

    @property
    def label_is_valid(self) -> bool:
        return bool(
            self.label and self.label_valid_until and self.label_valid_until >= timezone.localdate()
        )


class ClusterOrganisationManager(models.Manager.from_queryset(OrganisationQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(kind=OrganisationKind.CLUSTER)


class SMEManager(models.Manager.from_queryset(OrganisationQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(kind=OrganisationKind.SME)


class ClusterOrganisation(Organisation):
    """Cluster organisations only: the actors of cluster partnerships and ESCA labels."""

    objects = ClusterOrganisationManager()

    class Meta:
        proxy = True

    def save(self, *args, **kwargs) -> None:
        self.kind = OrganisationKind.CLUSTER
        super().save(*args, **kwargs)


class SME(Organisation):
    """Small and medium-sized enterprises only."""

    objects = SMEManager()

    class Meta:
        proxy = True
        verbose_name = "SME"
        verbose_name_plural = "SMEs"

    def save(self, *args, **kwargs) -> None:
        self.kind = OrganisationKind.SME
        super().save(*args, **kwargs)


class Membership(models.Model):
    """A member organisation of a cluster (an SME, a university, ...)."""

    cluster = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="member_of")
    joined = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["cluster", "member"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "member"],
                name="membership_unique_pair",
                violation_error_message="This organisation is already a member of the cluster.",
            ),
            models.CheckConstraint(
                condition=~models.Q(cluster=models.F("member")),
                name="membership_not_self",
                violation_error_message="A cluster cannot be its own member.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} in {self.cluster}"


class OrganisationRole(models.Model):
    """A user's role in an organisation: managers edit the profile, members read its data."""

    class Role(models.TextChoices):
        MANAGER = "manager", "Manager"
        MEMBER = "member", "Member"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organisation_roles"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="organisationrole_unique_user_org",
                violation_error_message="This person already has a role in the organisation.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) at {self.organisation}"
