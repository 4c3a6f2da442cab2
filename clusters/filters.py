"""One FilterSet for organisations, shared by the search page, the map, the API and exports.

Unknown values are form errors that name the parameter (a 400 in the API, a message on the
page). Multi-valued filters OR their values; different filters AND together.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django_countries import countries

from . import search
from .models import (
    ClusterLabel,
    CollaborationType,
    EmergingIndustry,
    IndustrialEcosystem,
    Organisation,
    OrganisationKind,
    Region,
    Sector,
    Technology,
    ThematicArea,
    Topic,
)


class FrozenChoices(tuple):
    """Choices that every FilterSet shares instead of deep-copying: 250 countries, copied for
    each of two filters on every request, cost ~7 ms (measured with make bench)."""

    def __deepcopy__(self, memo) -> FrozenChoices:
        return self


COUNTRY_CHOICES = FrozenChoices(countries)


LABEL_CHOICES = [*ClusterLabel.choices[1:], ("any", "Any valid label")]
ORDERING_CHOICES = [
    ("relevance", "Relevance"),
    ("name", "Name"),
    ("-updated", "Recently updated"),
]


def _present(values) -> list[str]:
    """Drop blank entries: an empty text box or ``?sector=`` means "no filter", not an error."""
    return [str(v).strip() for v in values or [] if str(v).strip()]


class CodesField(forms.ModelMultipleChoiceField):
    def clean(self, value):
        return super().clean(_present(value))


class RegionCodeField(CodesField):
    """NUTS codes, case-insensitive ("de1" is DE1)."""

    def clean(self, value):
        return super().clean([v.upper() for v in _present(value)])


class ChoicesField(forms.MultipleChoiceField):
    def clean(self, value):
        return super().clean(_present(value))


class MultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    """Plain column values: no join, so no duplicates, so no DISTINCT over the whole result
    (django-filter's default, which sorted every matching row on each request)."""

    field_class = ChoicesField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


class TagFilter(django_filters.ModelMultipleChoiceFilter):
    """Organisations tagged with any of the values, as a subquery on the link table.

    A join would repeat an organisation once per matching tag and need DISTINCT over the
    whole result; ``pk IN (SELECT organisation_id ...)`` needs neither.
    """

    field_class = CodesField

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if not value:
            return qs
        field = Organisation._meta.get_field(self.field_name)
        # The ids the form already fetched, not a subquery: the planner then estimates the
        # number of links right and picks a hash join instead of a slow nested loop.
        links = field.remote_field.through.objects.filter(
            **{f"{field.m2m_reverse_field_name()}_id__in": [term.pk for term in value]}
        )
        return qs.filter(pk__in=links.values(field.m2m_field_name()))


def _codes(field_name: str, queryset, label: str) -> TagFilter:
    return TagFilter(field_name=field_name, to_field_name="code", queryset=queryset, label=label)


class TopicCodeField(CodesField):
    """Topics by code or by name: "Additive manufacturing" finds additive-manufacturing."""

    def clean(self, value):
        return super().clean([slugify(v) for v in _present(value)])


class TopicFilter(TagFilter):
    field_class = TopicCodeField


class RegionFilter(django_filters.ModelMultipleChoiceFilter):
    """A NUTS code also matches every region below it: NUTS codes grow one character a level."""

    field_class = RegionCodeField

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if not value:
            return qs
        condition = Q()
        for region in value:
            condition |= Q(region__code__startswith=region.code)
        return qs.filter(condition)


def prepare_pickers(filterset: django_filters.FilterSet, *names: str) -> None:
    """Fetch each pick list once: a template loop over a ModelChoiceIterator would run a
    COUNT and a SELECT per list."""
    for name in names:
        field = filterset.form.fields[name]
        field.choices = list(iter(field.choices))  # iter(): no COUNT before the SELECT


class PickersMixin:
    """A FilterSet whose page offers the filters named in PICKERS as pick lists."""

    PICKERS: tuple[str, ...] = ()

    def prepare_pickers(self) -> None:
        prepare_pickers(self, *self.PICKERS)


class OrganisationFilterSet(PickersMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search", max_length=200)
    kind = MultipleChoiceFilter(choices=OrganisationKind.choices, label="Kind")
    country = MultipleChoiceFilter(choices=COUNTRY_CHOICES, label="Country")
    region = RegionFilter(
        to_field_name="code", queryset=Region.objects.all(), label="Region (NUTS code)"
    )
    sector = _codes("sectors", Sector.objects.all(), "Sector")
    ecosystem = _codes("ecosystems", IndustrialEcosystem.objects.all(), "Industrial ecosystem")
    emerging_industry = _codes(
        "emerging_industries", EmergingIndustry.objects.all(), "Emerging industry"
    )
    technology = _codes("technologies", Technology.objects.all(), "Technology")
    thematic_area = _codes("thematic_areas", ThematicArea.objects.all(), "Thematic area")
    label = django_filters.ChoiceFilter(
        choices=LABEL_CHOICES, method="filter_label", label="Cluster label"
    )
    offers = TopicFilter(
        field_name="offers_topics",
        to_field_name="code",
        queryset=Topic.objects.all(),
        label="Offers",
    )
    looks_for = TopicFilter(
        field_name="looks_for_topics",
        to_field_name="code",
        queryset=Topic.objects.all(),
        label="Looks for",
    )
    target_country = MultipleChoiceFilter(
        choices=COUNTRY_CHOICES, method="filter_target_country", label="Target country"
    )
    collaboration_type = _codes(
        "collaboration_types", CollaborationType.objects.all(), "Collaboration type"
    )
    founded_after = django_filters.NumberFilter(
        field_name="founded_year",
        lookup_expr="gte",
        label="Founded in or after",
        min_value=1800,
        max_value=2100,
    )
    ordering = django_filters.ChoiceFilter(
        choices=ORDERING_CHOICES,
        method="filter_ordering",
        label="Sort by",
        empty_label="Relevance, then name",
    )

    class Meta:
        model = Organisation
        fields: list[str] = []

    # Vocabularies the search page offers as pick lists (regions and topics are typed).
    PICKERS = (
        "sector",
        "ecosystem",
        "emerging_industry",
        "technology",
        "thematic_area",
        "collaboration_type",
    )

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search.search(queryset, value)

    def filter_label(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        valid = queryset.filter(label_valid_until__gte=timezone.localdate())
        if value == "any":
            return valid.exclude(label="")
        return valid.filter(label=value)

    def filter_target_country(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        # Stored as "JP,US": two-letter codes between commas cannot match across a boundary.
        condition = Q()
        for code in value:
            condition |= Q(target_countries__contains=code)
        return queryset.filter(condition)

    def filter_ordering(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # applied in filter_queryset, after the text search annotated relevance

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        ordering = self.form.cleaned_data.get("ordering") or "relevance"
        has_relevance = bool(self.form.cleaned_data.get("q", "").strip())
        if ordering == "relevance" and has_relevance:
            return queryset.order_by("-relevance", "name", "pk")
        if ordering == "-updated":
            return queryset.order_by("-updated_at", "pk")
        return queryset.order_by("name", "pk")
