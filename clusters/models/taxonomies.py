"""Reference taxonomies, loaded from clusters/data/*.csv by a data migration."""

from django.db import models


class TaxonomyTerm(models.Model):
    """A term of a fixed vocabulary: a stable code (used in URLs and the API) and a name."""

    code = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Sector(TaxonomyTerm):
    """One of the 51 traded cluster categories of the European Cluster Observatory."""


class IndustrialEcosystem(TaxonomyTerm):
    """One of the 14 industrial ecosystems of the EU Industrial Strategy."""


class EmergingIndustry(TaxonomyTerm):
    """A cross-sectoral emerging industry (EOCIC Cluster Panorama)."""

    class Meta(TaxonomyTerm.Meta):
        verbose_name_plural = "emerging industries"


class Technology(TaxonomyTerm):
    """An advanced technology for industry (ATI list)."""

    class Meta(TaxonomyTerm.Meta):
        verbose_name_plural = "technologies"


class ThematicArea(TaxonomyTerm):
    """A Smart Specialisation thematic platform partnership area."""

    class Platform(models.TextChoices):
        INDUSTRIAL_MODERNISATION = "industrial-modernisation", "Industrial modernisation"
        AGRI_FOOD = "agri-food", "Agri-food"
        ENERGY = "energy", "Energy"

    platform = models.CharField(max_length=40, choices=Platform.choices)


class CollaborationType(TaxonomyTerm):
    """A kind of collaboration an organisation is open to (seeded by a migration)."""


class Topic(TaxonomyTerm):
    """A free tag for what an organisation offers or looks for; created as profiles use it."""


class Region(models.Model):
    """A NUTS 2024 region (or Eurostat statistical region) with its level and parent."""

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=200)
    level = models.PositiveSmallIntegerField(db_index=True)
    country = models.CharField(max_length=2, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=0, level__lte=3), name="region_level_0_to_3"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
