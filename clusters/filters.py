"""One FilterSet for organisations, shared by the list page, the API and (later) exports."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_countries import countries

from .models import (
    ClusterLabel,
    IndustrialEcosystem,
    Organisation,
    OrganisationKind,
    Sector,
    Technology,
)

LABEL_CHOICES = [*ClusterLabel.choices[1:], ("any", "Any valid label")]


class OrganisationFilterSet(django_filters.FilterSet):
    """Unknown values raise a form error naming the parameter (a 400 in the API)."""

    q = django_filters.CharFilter(method="filter_q", label="Search")
    kind = django_filters.MultipleChoiceFilter(choices=OrganisationKind.choices)
    country = django_filters.MultipleChoiceFilter(choices=list(countries))
    sector = django_filters.ModelMultipleChoiceFilter(
        field_name="sectors", to_field_name="code", queryset=Sector.objects.all()
    )
    ecosystem = django_filters.ModelMultipleChoiceFilter(
        field_name="ecosystems",
        to_field_name="code",
        queryset=IndustrialEcosystem.objects.all(),
    )
    technology = django_filters.ModelMultipleChoiceFilter(
        field_name="technologies", to_field_name="code", queryset=Technology.objects.all()
    )
    label = django_filters.ChoiceFilter(choices=LABEL_CHOICES, method="filter_label")
    ordering = django_filters.OrderingFilter(
        fields=(("name", "name"), ("updated_at", "updated")),
        choices=[("name", "Name"), ("-updated", "Recently updated")],
        empty_label="Name (default)",
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind", "country", "sector", "ecosystem", "technology", "label"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Portable substring search; the partner-search issue replaces it with ranked FTS."""
        for word in value.split()[:8]:
            queryset = queryset.filter(
                Q(name__icontains=word)
                | Q(acronym__icontains=word)
                | Q(description__icontains=word)
                | Q(city__icontains=word)
            )
        return queryset

    def filter_label(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        valid = queryset.filter(label_valid_until__gte=timezone.localdate())
        if value == "any":
            return valid.exclude(label="")
        return valid.filter(label=value)
