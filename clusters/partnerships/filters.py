"""One FilterSet for partnerships, shared by the list page, the member map, the officer
dashboard, the API and the exports: the same query string means the same set everywhere.

Unknown values are form errors that name the parameter (a 400 in the API, a message on the
page). Multi-valued filters OR their values; different filters AND together.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from ..filters import COUNTRY_CHOICES, CodesField, MultipleChoiceFilter, PickersMixin
from ..models import (
    Call,
    Partnership,
    PartnershipMember,
    PartnershipPhase,
    PartnershipStatus,
    PartnershipType,
    Programme,
    Sector,
    ThematicArea,
)


class LinkFilter(django_filters.ModelMultipleChoiceFilter):
    """Partnerships linked to any of the values, as ``pk IN (subquery)``: no join, no
    duplicate rows, no DISTINCT over the whole result."""

    field_class = CodesField

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if not value:
            return qs
        field = Partnership._meta.get_field(self.field_name)
        links = field.remote_field.through.objects.filter(
            **{f"{field.m2m_reverse_field_name()}_id__in": [term.pk for term in value]}
        )
        return qs.filter(pk__in=links.values(field.m2m_field_name()))


class CodesFilter(django_filters.ModelMultipleChoiceFilter):
    """A foreign key picked by code or id; blank entries mean no filter."""

    field_class = CodesField

    def get_filter_predicate(self, v):
        # Compare with the object: with to_field_name, django-filter would compare the
        # foreign key's id with the code ("programme_id = 'cgi'").
        return {self.field_name: v}


class PartnershipFilterSet(PickersMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search", max_length=200)
    type = MultipleChoiceFilter(choices=PartnershipType.choices, label="Type")
    programme = CodesFilter(
        field_name="programme",
        to_field_name="code",
        queryset=Programme.objects.all(),
        label="Programme",
        distinct=False,
    )
    call = CodesFilter(
        field_name="call",
        queryset=Call.objects.select_related("programme"),
        label="Call",
        distinct=False,
    )
    phase = MultipleChoiceFilter(choices=PartnershipPhase.choices, label="Phase")
    country = MultipleChoiceFilter(
        choices=COUNTRY_CHOICES, method="filter_country", label="Country of a member"
    )
    thematic_area = LinkFilter(
        field_name="thematic_areas",
        to_field_name="code",
        queryset=ThematicArea.objects.all(),
        label="Thematic area",
    )
    sector = LinkFilter(
        field_name="sectors", to_field_name="code", queryset=Sector.objects.all(), label="Sector"
    )
    year = django_filters.NumberFilter(
        field_name="starts_on",
        lookup_expr="year",
        label="Start year",
        min_value=1990,
        max_value=2100,
    )
    status = MultipleChoiceFilter(choices=PartnershipStatus.choices, label="Status")

    class Meta:
        model = Partnership
        fields: list[str] = []

    # Vocabularies a page offers as pick lists: fetched once each (see prepare_pickers).
    PICKERS = ("programme", "call", "thematic_area", "sector")

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(acronym__icontains=value))

    def filter_country(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        members = PartnershipMember.objects.filter(organisation__country__in=value)
        return queryset.filter(pk__in=members.values("partnership_id"))

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return super().filter_queryset(queryset).order_by("name", "pk")
