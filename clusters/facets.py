"""What the search page shows around its results: facet counts, active filters, suggestions.

Every function here costs a fixed number of queries, whatever the size of the result.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.db import connection
from django.db.models import Count, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django_countries import countries

from .filters import OrganisationFilterSet
from .models import ClusterLabel, Organisation, OrganisationKind

FACET_SIZE = 12
# Parameters that change the result set (ordering and paging do not).
FILTER_PARAMS = tuple(
    name for name in OrganisationFilterSet.base_filters if name not in {"ordering"}
)


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    url: str  # the current search with this value toggled


@dataclass(frozen=True)
class ActiveFilter:
    param: str
    label: str
    value_label: str
    remove_url: str


def search_query(params: QueryDict) -> QueryDict:
    """The search as it matters: non-blank values only, without the page number."""
    query = QueryDict(mutable=True)
    for key, values in params.lists():
        kept = [v for v in values if v.strip()]
        if kept and key != "page":
            query.setlist(key, kept)
    return query


def toggled(query: QueryDict, param: str, value: str) -> str:
    """The querystring with ``value`` added to or removed from ``param`` (page reset)."""
    new = query.copy()
    new.pop("page", None)
    values = new.getlist(param)
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    new.setlist(param, values)
    return new.urlencode()


def without(query: QueryDict, param: str, value: str | None = None) -> str:
    new = query.copy()
    new.pop("page", None)
    if value is None:
        new.pop(param, None)
    else:
        new.setlist(param, [v for v in new.getlist(param) if v != value])
    return new.urlencode()


def _facet(query: QueryDict, param: str, rows, labels: dict[str, str]) -> list[FacetValue]:
    chosen = set(query.getlist(param))
    values = [
        FacetValue(
            str(v), labels.get(str(v), str(v)), n, str(v) in chosen, toggled(query, param, str(v))
        )
        for v, n in rows
    ]
    # A selected value stays visible even when the other filters leave it no results.
    shown = {f.value for f in values}
    values += [
        FacetValue(v, labels.get(v, v), 0, True, toggled(query, param, v))
        for v in chosen
        if v not in shown
    ]
    return values


GROUPED_COUNTS_SQL = """
SELECT GROUPING(kind), GROUPING(country), GROUPING(valid_label),
       kind, country, valid_label, COUNT(*)
FROM (
    SELECT kind, country,
           CASE WHEN label <> '' AND label_valid_until >= %s THEN label END AS valid_label
    FROM clusters_organisation WHERE id IN ({ids})
) AS result
GROUP BY GROUPING SETS ((kind), (country), (valid_label), ())
"""


def _grouped_counts(ids: QuerySet) -> tuple[int, list, list, list]:
    """Total, kinds, countries and valid labels of the result in one pass (PostgreSQL)."""
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(GROUPED_COUNTS_SQL.format(ids=sql), [timezone.localdate(), *params])
        rows = cursor.fetchall()
    total, kinds, countries_, labels = 0, [], [], []
    for g_kind, g_country, g_label, kind, country, label, n in rows:
        if g_kind and g_country and g_label:
            total = n
        elif not g_kind:
            kinds.append((kind, n))
        elif not g_country:
            countries_.append((country, n))
        elif label is not None:
            labels.append((label, n))
    by_count = lambda row: (-row[1], row[0])  # noqa: E731
    return (
        total,
        sorted(kinds, key=by_count),
        sorted(countries_, key=by_count),
        sorted(labels, key=by_count),
    )


def _counts_portably(ids: QuerySet) -> tuple[int, list, list, list]:
    base = Organisation.objects.filter(pk__in=ids).order_by()
    grouped = lambda field: list(  # noqa: E731
        base.values_list(field).annotate(n=Count("pk")).order_by("-n", field)
    )
    labels = (
        base.filter(label_valid_until__gte=timezone.localdate())
        .exclude(label="")
        .values_list("label")
        .annotate(n=Count("pk"))
        .order_by("-n", "label")
    )
    return base.count(), grouped("kind"), grouped("country"), list(labels)


def facet_counts(result: QuerySet, query: QueryDict) -> tuple[int, dict[str, list[FacetValue]]]:
    """The result's size and its counts by kind, country, sector and valid label.

    PostgreSQL: two queries (one GROUPING SETS pass, one over the sector links), and the total
    replaces the paginator's COUNT. Elsewhere: one query per facet.
    """
    ids = result.order_by().values("pk")
    counts = _grouped_counts if connection.vendor == "postgresql" else _counts_portably
    total, kinds, country_rows, labels = counts(ids)
    if not total:
        return 0, {}
    sector_rows = list(
        Organisation.sectors.through.objects.filter(organisation_id__in=ids)
        .values_list("sector__code", "sector__name")
        .annotate(n=Count("organisation_id"))
        .order_by("-n", "sector__name")[:FACET_SIZE]
    )
    return total, {
        "kind": _facet(query, "kind", kinds, dict(OrganisationKind.choices)),
        "country": _facet(query, "country", country_rows[:FACET_SIZE], dict(countries)),
        "sector": _facet(
            query,
            "sector",
            [(code, n) for code, _name, n in sector_rows],
            {code: name for code, name, _n in sector_rows},
        ),
        "label": _facet(query, "label", labels, dict(ClusterLabel.choices)),
    }


def active_filters(filterset: OrganisationFilterSet, query: QueryDict) -> list[ActiveFilter]:
    """One removable chip per applied value, labelled from the already-validated form."""
    if not filterset.is_valid():
        return []
    chips: list[ActiveFilter] = []
    for param in FILTER_PARAMS:
        raw = [v for v in query.getlist(param) if v.strip()]
        if not raw:
            continue
        field = filterset.form.fields[param]
        cleaned = filterset.form.cleaned_data.get(param)
        if isinstance(field, forms.ModelMultipleChoiceField):
            # The validated values, already fetched: no query for the whole vocabulary.
            names = {str(o.code).lower(): o.name for o in cleaned or []}
        else:
            names = {str(k): v for k, v in getattr(field, "choices", None) or []}
        for value in raw:
            label = names.get(value.lower()) or names.get(value) or value
            chips.append(
                ActiveFilter(
                    param, str(field.label or param), str(label), without(query, param, value)
                )
            )
    return chips


def narrowest_filter(
    queryset: QuerySet, query: QueryDict, chips: list[ActiveFilter]
) -> tuple[ActiveFilter, int] | None:
    """For an empty result: the one filter whose removal brings back the most organisations."""
    best: tuple[ActiveFilter, int] | None = None
    for chip in chips[:10]:
        relaxed = OrganisationFilterSet(QueryDict(chip.remove_url), queryset=queryset)
        if not relaxed.is_valid():
            continue
        count = relaxed.qs.count()
        if count and (best is None or count > best[1]):
            best = (chip, count)
    return best
