"""What an export holds: for a kind, a user and a query string, the rows that user sees.

The filters are the list pages' own FilterSets (PartnershipFilterSet, OrganisationFilterSet),
so the same query string gives the same rows on a page, in the API and in a file; a Celery
worker applies them again as the job's user (jobs.py). Each queryset joins or prefetches
exactly what its columns read, and ``iterate`` reads it in chunks: a constant number of
queries per chunk and flat memory, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict

from ..filters import OrganisationFilterSet
from ..models import Organisation, Partnership, PartnershipMember
from ..partnerships.filters import PartnershipFilterSet
from ..partnerships.selectors import partnership_list, partnerships_visible_to
from ..selectors import organisations_visible_to
from .columns import COLUMNS

KINDS = tuple(COLUMNS)
FORMATS = ("csv", "xlsx")
# Rows read per round trip; the prefetches run once per chunk (Django 5 prefetches with
# .iterator(chunk_size=...)).
CHUNK_SIZE = 2000
# Parameters that choose the file, the page or the API's rendering, not the rows. (The kind
# of export is in the path: ``kind`` in a query string is the organisation filter.)
NOT_FILTERS = frozenset({"fmt", "format", "page", "page_size"})
# What ORGANISATION_COLUMNS read: these fields only (not the search document, descriptions or
# contact data: less to transfer and hold per chunk), the region's code, and the codes of four
# tag lists. A column that reads another field costs a query per row: the query-count tests
# of tests/clusters/test_exports.py catch it.
ORGANISATION_FIELDS = (
    "slug",
    "name",
    "acronym",
    "kind",
    "country",
    "region__code",
    "city",
    "website",
    "founded_year",
    "member_count",
    "label",
    "label_valid_until",
    "target_countries",
    "offers",
    "looks_for",
)
ORGANISATION_TAGS = ("sectors", "ecosystems", "technologies", "thematic_areas")
MEMBER_FIELDS = (
    "role",
    "joined_on",
    "partnership__slug",
    "partnership__name",
    "organisation__slug",
    "organisation__name",
    "organisation__country",
    "organisation__kind",
)


def filter_params(params: Mapping[str, Any] | QueryDict | None) -> QueryDict:
    """The filters of a query string: non-blank values, without page or format choices."""
    query = QueryDict(mutable=True)
    if params is None:
        return query
    if not isinstance(params, QueryDict):
        merged = QueryDict(mutable=True)
        for key, value in params.items():
            merged.setlist(key, value if isinstance(value, list | tuple) else [value])
        params = merged
    for key, values in params.lists():
        kept = [v for v in values if str(v).strip()]
        if kept and key not in NOT_FILTERS:
            query.setlist(key, kept)
    return query


def _filtered(filterset_class, params: QueryDict, queryset: QuerySet) -> QuerySet:
    filterset = filterset_class(params or None, queryset=queryset)
    if filterset.is_bound and not filterset.is_valid():
        # {"sector": ["Select a valid choice. ..."]}: the parameter is named.
        raise ValidationError({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def organisation_export_list(user) -> QuerySet[Organisation]:
    """Organisations the user sees, with the fields ORGANISATION_COLUMNS read; ``iterate``
    attaches their tag codes chunk by chunk."""
    return organisations_visible_to(user).select_related("region").only(*ORGANISATION_FIELDS)


def partnerships(user, params: QueryDict) -> QuerySet[Partnership]:
    return _filtered(PartnershipFilterSet, params, partnership_list(user))


def members(user, params: QueryDict) -> QuerySet[PartnershipMember]:
    """One row per membership of the filtered partnerships."""
    chosen = _filtered(PartnershipFilterSet, params, partnerships_visible_to(user))
    return members_of(chosen)


def members_of(partnerships_qs: QuerySet[Partnership]) -> QuerySet[PartnershipMember]:
    """The memberships of already-filtered partnerships (the API passes its own)."""
    return (
        PartnershipMember.objects.filter(partnership__in=partnerships_qs.values("pk"))
        .select_related("partnership", "organisation")
        .only(*MEMBER_FIELDS)
        .order_by("partnership__name", "partnership_id", "role", "organisation__name", "pk")
    )


def organisations(user, params: QueryDict) -> QuerySet[Organisation]:
    return _filtered(OrganisationFilterSet, params, organisation_export_list(user))


SOURCES = {"partnerships": partnerships, "members": members, "organisations": organisations}


def export_queryset(kind: str, user, params: Mapping[str, Any] | QueryDict | None) -> QuerySet:
    """The rows of an export of ``kind`` as ``user`` sees them, filtered by ``params``.

    Raises ValidationError({parameter: [messages]}) for a filter value the FilterSet refuses.
    """
    if kind not in SOURCES:
        raise ValidationError({"kind": [f"Unknown export {kind!r}: one of {', '.join(KINDS)}."]})
    return SOURCES[kind](user, filter_params(params))


def iterate(queryset: QuerySet) -> Iterator[Any]:
    """The rows in chunks of CHUNK_SIZE (prefetches per chunk), never all in memory.
    Organisations get their tag codes as plain tuples instead of prefetched objects: the
    prefetch was two thirds of the time of a 100,000-row export (bench_exports)."""
    if queryset.model is Organisation:
        return _with_codes(queryset)
    return queryset.iterator(chunk_size=CHUNK_SIZE)


def _with_codes(queryset: QuerySet[Organisation]) -> Iterator[Organisation]:
    chunk: list[Organisation] = []
    for organisation in queryset.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(organisation)
        if len(chunk) == CHUNK_SIZE:
            yield from attach_codes(chunk)
            chunk = []
    if chunk:
        yield from attach_codes(chunk)


def attach_codes(organisations: list[Organisation]) -> list[Organisation]:
    """``export_codes = {tag list: [codes]}`` on each organisation: one query per tag list
    for the whole chunk, reading (organisation id, code) pairs from the link table."""
    codes: dict[int, dict[str, list[str]]] = {o.pk: {} for o in organisations}
    for name in ORGANISATION_TAGS:
        field = Organisation._meta.get_field(name)
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        pairs = field.remote_field.through.objects.filter(
            **{f"{source}_id__in": list(codes)}
        ).values_list(f"{source}_id", f"{target}__code")
        for pk, code in pairs:
            codes[pk].setdefault(name, []).append(code)
    for organisation in organisations:
        organisation.export_codes = codes[organisation.pk]
    return organisations
