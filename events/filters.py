"""FilterSets for events, participants, marketplace items and meeting requests, shared by the
pages and the API. Unknown values are errors that name the parameter (400 in the API)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from clusters.filters import COUNTRY_CHOICES, ChoicesField, CodesField
from clusters.models import OrganisationKind, Sector, Technology

from .models import (
    Event,
    EventFormat,
    EventKind,
    MarketplaceItem,
    MeetingRequest,
    Registration,
)


class MultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    """Blank values mean "no filter"; plain columns need no DISTINCT."""

    field_class = ChoicesField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class LinkFilter(django_filters.ModelMultipleChoiceFilter):
    """Rows linked (through ``path``, a many-to-many) to any of the chosen terms, by code, as a
    ``pk IN (subquery)`` so that no row repeats and no DISTINCT is needed."""

    field_class = CodesField

    def __init__(self, *args, path: str, **kwargs) -> None:
        self.path = path
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if not value:
            return qs
        ids = qs.model.objects.filter(**{f"{self.path}__in": value}).values("pk")
        return qs.filter(pk__in=ids)


class EventFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search", max_length=200)
    when = django_filters.ChoiceFilter(
        method="filter_when",
        choices=[("upcoming", "Upcoming"), ("past", "Past")],
        label="When",
        empty_label="Any time",
    )
    kind = MultipleChoiceFilter(choices=EventKind.choices, label="Type")
    format = MultipleChoiceFilter(choices=EventFormat.choices, label="Format")
    country = MultipleChoiceFilter(choices=COUNTRY_CHOICES, label="Country")
    sector = LinkFilter(path="sectors", queryset=Sector.objects.all(), label="Sector")

    class Meta:
        model = Event
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(city__icontains=value) | Q(description__icontains=value)
        )

    def filter_when(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        now = timezone.now()
        if value == "upcoming":
            return queryset.filter(ends_at__gte=now).order_by("starts_at", "pk")
        if value == "past":
            return queryset.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
        return queryset


class ParticipantFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search", max_length=200)
    country = MultipleChoiceFilter(
        field_name="organisation__country", choices=COUNTRY_CHOICES, label="Country"
    )
    kind = MultipleChoiceFilter(
        field_name="organisation__kind", choices=OrganisationKind.choices, label="Kind"
    )
    sector = LinkFilter(path="organisation__sectors", queryset=Sector.objects.all(), label="Sector")
    status = MultipleChoiceFilter(choices=Registration.Status.choices, label="Status")

    class Meta:
        model = Registration
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(organisation__name__icontains=value)
            | Q(organisation__acronym__icontains=value)
            | Q(interests__icontains=value)
            | Q(organisation__offers__icontains=value)
            | Q(organisation__looks_for__icontains=value)
        )


class MarketplaceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search", max_length=200)
    kind = MultipleChoiceFilter(choices=MarketplaceItem.Kind.choices, label="Type")
    sector = LinkFilter(path="sectors", queryset=Sector.objects.all(), label="Sector")
    technology = LinkFilter(
        path="technologies", queryset=Technology.objects.all(), label="Technology"
    )
    country = MultipleChoiceFilter(
        field_name="registration__organisation__country", choices=COUNTRY_CHOICES, label="Country"
    )

    class Meta:
        model = MarketplaceItem
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(registration__organisation__name__icontains=value)
        )


class MeetingRequestFilterSet(django_filters.FilterSet):
    """``direction`` needs the request's user: incoming are those sent to them."""

    event = django_filters.CharFilter(field_name="event__slug", label="Event (slug)")
    status = MultipleChoiceFilter(choices=MeetingRequest.Status.choices, label="Status")
    direction = django_filters.ChoiceFilter(
        method="filter_direction",
        choices=[("incoming", "Incoming"), ("outgoing", "Outgoing")],
        label="Direction",
    )

    class Meta:
        model = MeetingRequest
        fields: list[str] = []

    def filter_direction(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return queryset.none()
        if value == "incoming":
            return queryset.filter(receiver__person=user)
        return queryset.filter(sender__person=user)
