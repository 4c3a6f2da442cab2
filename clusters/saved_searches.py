"""Saved searches: every write goes through here, and so does the weekly e-mail digest.

A saved search is the organisation search page's querystring, normalised (see
``normalise_query``) and validated by OrganisationFilterSet, the one filter definition shared
with the search page, the map and the API: a saved search finds exactly what the page finds.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import QueryDict

from . import selectors
from .filters import OrganisationFilterSet
from .models import Organisation, SavedSearch
from .models.searches import NAME_MAX_LENGTH, QUERY_MAX_LENGTH

logger = logging.getLogger(__name__)

MAX_SAVED_SEARCHES = 50
DIGEST_LIST_SIZE = 20
# Parameters that are not part of what a search matches: paging and sort order.
IGNORED_PARAMS = frozenset({"page", "ordering"})
# Order of the parts of a generated name and of the summary ("photonics · Germany · SME").
SUMMARY_ORDER = (
    "q",
    "country",
    "region",
    "kind",
    "sector",
    "ecosystem",
    "emerging_industry",
    "technology",
    "thematic_area",
    "label",
    "offers",
    "looks_for",
    "target_country",
    "collaboration_type",
    "founded_after",
)
# How a filter's values read inside a generated name, where a bare value would be unclear.
NAME_FORMATS = {
    "offers": "offers {}",
    "looks_for": "looks for {}",
    "target_country": "targets {}",
    "collaboration_type": "open to {}",
    "founded_after": "founded {} or later",
}
ALL_ORGANISATIONS = "All organisations"


# --- The query ----------------------------------------------------------------------------


def _filter_params() -> dict[str, django_filters.Filter]:
    return {
        name: f
        for name, f in OrganisationFilterSet.base_filters.items()
        if name not in IGNORED_PARAMS
    }


def _pairs(query: str | Mapping | QueryDict) -> list[tuple[str, str]]:
    if isinstance(query, QueryDict):
        return [(k, v) for k, values in query.lists() for v in values]
    if isinstance(query, Mapping):
        pairs = []
        for k, value in query.items():
            values = value if isinstance(value, list | tuple) else [value]
            pairs += [(str(k), str(v)) for v in values]
        return pairs
    return parse_qsl(str(query or "").lstrip("?"), keep_blank_values=True)


def normalise_query(query: str | Mapping | QueryDict) -> str:
    """The canonical querystring of a search, so that the same search is the same string.

    Keeps only OrganisationFilterSet parameters (drops ``page``, ``ordering`` and unknown keys)
    and non-blank values; a multi-valued filter keeps each value once, a single-valued one its
    last value (the one the filter applies); keys and values are sorted. Text is trimmed and
    its whitespace collapsed, NUTS codes upper-cased (the filter ignores their case). No
    database access: validation is ``validate_query``'s job.
    """
    params = _filter_params()
    values: dict[str, list[str]] = {}
    for key, raw in _pairs(query):
        if key not in params:
            continue
        value = " ".join(str(raw).split())
        if key == "region":
            value = value.upper()
        values.setdefault(key, []).append(value)
    pairs: list[tuple[str, str]] = []
    for key in sorted(values):
        if isinstance(params[key], django_filters.MultipleChoiceFilter):
            kept = sorted({v for v in values[key] if v})
        else:
            kept = [values[key][-1]] if values[key][-1] else []
        pairs += [(key, v) for v in kept]
    return urlencode(pairs)


def bind(query: str, queryset: QuerySet | None = None) -> OrganisationFilterSet:
    """OrganisationFilterSet bound to a (normalised) querystring, over published profiles."""
    if queryset is None:
        queryset = published_organisations()
    return OrganisationFilterSet(QueryDict(query), queryset=queryset)


def filter_errors(filterset: OrganisationFilterSet) -> dict[str, list[str]]:
    """The filterset's errors keyed by parameter, each message naming its parameter."""
    errors: dict[str, list[str]] = {}
    for name, messages in filterset.form.errors.items():
        field = filterset.form.fields.get(name)
        label = str(field.label) if field is not None and field.label else name
        errors[name] = [f"{label} ({name}): {message}" for message in messages]
    return errors


def _check_length(query: str) -> None:
    if len(query) > QUERY_MAX_LENGTH:
        raise ValidationError(
            {"query": "This search has too many filters to save. Remove some and try again."}
        )


def validate_query(query: str) -> OrganisationFilterSet:
    """Bind and validate a normalised query; a ValidationError names each bad parameter."""
    _check_length(query)
    filterset = bind(query)
    if not filterset.is_valid():
        raise ValidationError(filter_errors(filterset))
    return filterset


def canonical_query(query: str | Mapping | QueryDict) -> tuple[str, OrganisationFilterSet]:
    """The stored form of a search and its validated filterset.

    ``normalise_query``, then tag values as the database spells their codes, from the objects
    validation found: a topic given by name ("Additive manufacturing") is stored as its code,
    so the same search typed two ways is still recognised as one.
    """
    normalised = normalise_query(query)
    filterset = validate_query(normalised)
    data = QueryDict(normalised)
    pairs: list[tuple[str, str]] = []
    for key in sorted(data):
        field = filterset.form.fields[key]
        if isinstance(field, forms.ModelMultipleChoiceField):
            attr = field.to_field_name or "pk"
            cleaned = filterset.form.cleaned_data.get(key) or []
            values = sorted({str(getattr(obj, attr)) for obj in cleaned})
        else:
            values = data.getlist(key)
        pairs += [(key, value) for value in values]
    canonical = urlencode(pairs)
    _check_length(canonical)
    return canonical, filterset


def _format_value(value) -> str:
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value))
    return str(value)


def _parts(filterset: OrganisationFilterSet) -> list[tuple[str, str, str]]:
    """(parameter, label, values) per applied filter of a *valid* filterset.

    Tag values come from the cleaned data: the objects validation already fetched (no query).
    """
    form = filterset.form
    parts: list[tuple[str, str, str]] = []
    for name in SUMMARY_ORDER:
        field = form.fields.get(name)
        value = form.cleaned_data.get(name)
        if field is None or value is None:
            continue
        if isinstance(field, forms.ModelMultipleChoiceField):
            objects = list(value)
            if name == "region":
                labels = [f"{r.name} ({r.code})" for r in objects]
            else:
                labels = [o.name for o in objects]
        elif isinstance(field, forms.ChoiceField):
            choices = {str(k): str(v) for k, v in field.choices}
            items = value if isinstance(value, list | tuple) else [value]
            labels = [choices.get(str(v), str(v)) for v in items if str(v)]
        else:
            labels = [_format_value(value)] if str(value).strip() else []
        if labels:
            parts.append((name, str(field.label or name), ", ".join(labels)))
    return parts


def summary(filterset: OrganisationFilterSet) -> list[tuple[str, str]]:
    """(label, values) per applied filter, e.g. ("Country", "Germany, France")."""
    return [(label, text) for _name, label, text in _parts(filterset)]


def default_name(filterset: OrganisationFilterSet) -> str:
    """A readable name from the filters: "photonics · Germany · Cluster organisation"."""
    parts = [NAME_FORMATS.get(name, "{}").format(text) for name, _label, text in _parts(filterset)]
    name = " · ".join(parts) or ALL_ORGANISATIONS
    if len(name) > NAME_MAX_LENGTH:
        name = name[: NAME_MAX_LENGTH - 1].rstrip(" ·,") + "…"
    return name


def _clean_name(name: str | None) -> str:
    name = " ".join(str(name or "").split())
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": f"Keep the name to {NAME_MAX_LENGTH} characters (it has {len(name)})."}
        )
    return name


def find_saved(*, user, query: str | Mapping | QueryDict) -> SavedSearch | None:
    """The user's saved search for this querystring, if any (for a "Saved as …" hint)."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        canonical, _filterset = canonical_query(query)
    except ValidationError:
        return None
    return SavedSearch.objects.filter(user=user, query=canonical).first()


# --- Writes -------------------------------------------------------------------------------


@transaction.atomic
def saved_search_create(*, user, name: str | None, query, digest: bool = True) -> SavedSearch:
    """Save ``query`` (a querystring, QueryDict or mapping) for ``user``.

    Normalises and validates the query (see ``canonical_query``), names it from its filters
    when ``name`` is blank, and refuses a search the user already saved and a 51st one.
    """
    name = _clean_name(name)
    normalised, filterset = canonical_query(query)
    # Serialise concurrent saves of one user, so that two requests cannot both pass the cap.
    list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk"))
    existing = SavedSearch.objects.filter(user=user, query=normalised).first()
    if existing is not None:
        raise ValidationError({"query": f"You already saved this search as “{existing.name}”."})
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: f"You can keep at most {MAX_SAVED_SEARCHES} saved searches. "
                "Delete one you no longer need to save this one."
            }
        )
    try:
        with transaction.atomic():
            return SavedSearch.objects.create(
                user=user,
                name=name or default_name(filterset),
                query=normalised,
                digest=bool(digest),
            )
    except IntegrityError:  # saved by a concurrent request between the check and the insert
        existing = SavedSearch.objects.filter(user=user, query=normalised).first()
        raise ValidationError(
            {"query": f"You already saved this search as “{existing.name if existing else ''}”."}
        ) from None


@transaction.atomic
def saved_search_update(
    *, saved_search: SavedSearch, name: str | None = None, digest: bool | None = None
) -> SavedSearch:
    """Rename a saved search and/or switch its digest; ``None`` leaves a field unchanged."""
    fields = []
    if name is not None:
        name = _clean_name(name)
        if not name:
            raise ValidationError({"name": "Give the search a name."})
        saved_search.name = name
        fields.append("name")
    if digest is not None:
        saved_search.digest = bool(digest)
        fields.append("digest")
    if fields:
        saved_search.save(update_fields=[*fields, "updated_at"])
    return saved_search


@transaction.atomic
def saved_search_delete(*, saved_search: SavedSearch) -> None:
    saved_search.delete()


# --- Reads --------------------------------------------------------------------------------


def published_organisations() -> QuerySet[Organisation]:
    """What an anonymous visitor may see: published profiles only, never drafts."""
    return selectors.organisations_visible_to(AnonymousUser())


def matching_organisations(
    saved_search: SavedSearch, *, since: dt.datetime | None = None
) -> QuerySet[Organisation]:
    """Published organisations the search finds (published after ``since``, if given).

    A search that no longer validates (say, a sector code was retired) matches nothing.
    """
    filterset = bind(saved_search.query)
    if not filterset.is_valid():
        logger.warning(
            "Saved search %s no longer validates: %s", saved_search.pk, filterset.form.errors
        )
        return Organisation.objects.none()
    qs = filterset.qs
    if since is not None:
        qs = qs.filter(published_at__gt=since)
    return qs


def saved_searches_for(user) -> list[dict]:
    """The user's saved searches for their page: each with its filters and current count.

    Counts are what the user would see following the link (their visibility), computed for
    all searches in one aggregate query; binding each search costs a query only per tag
    filter it uses (validation fetches the codes). At most MAX_SAVED_SEARCHES rows.
    """
    searches = list(
        SavedSearch.objects.filter(user=user)
        .annotate(last_sent_at=Max("digests__sent_at", filter=Q(digests__organisation_count__gt=0)))
        .order_by("name", "pk")[:MAX_SAVED_SEARCHES]
    )
    visible = selectors.organisations_visible_to(user)
    rows, counts = [], {}
    for saved in searches:
        filterset = bind(saved.query, queryset=visible)
        row = {"search": saved, "summary": [], "errors": [], "count": None}
        if filterset.is_valid():
            row["summary"] = summary(filterset)
            counts[f"n{saved.pk}"] = Count("pk", filter=Q(pk__in=filterset.qs.values("pk")))
        else:
            row["errors"] = [m for ms in filter_errors(filterset).values() for m in ms]
        rows.append(row)
    if counts:
        totals = visible.order_by().aggregate(**counts)
        for row in rows:
            row["count"] = totals.get(f"n{row['search'].pk}")
    return rows
