"""Organisations from a file (ORGANISATION_COLUMNS): one row per organisation.

A row is compared with the organisation it names before anything is written: only the
columns whose value differs are handed to ``services.organisation_update``, and a row equal
to the database is not written at all (its ``updated_at`` stays). New organisations start as
drafts with no manager: the platform's people claim them later; programme officers may keep
such unclaimed profiles current by import, while a profile its own managers keep is changed
only by them or by platform staff.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower
from django_countries import countries

from .. import services
from ..exports.columns import ORGANISATION_COLUMNS
from ..models import Organisation, OrganisationRole
from . import cells
from .cells import CellError, Vocabulary
from .plan import (
    CREATE,
    UNCHANGED,
    UPDATE,
    Plan,
    Progress,
    Record,
    chunks,
    column_keys,
    require,
    rows_of,
    write_records,
)
from .readers import Table

KEYS = tuple(column.key for column in ORGANISATION_COLUMNS)
LABELS = {column.label: column.key for column in ORGANISATION_COLUMNS}
REQUIRED = ("name", "kind", "country")
M2M = tuple(cells.TAXONOMIES)
CLUSTER_ONLY = ("member_count", "label", "label_valid_until")
Kind = Organisation.Kind
Row = tuple[int, dict[str, str]]


@dataclass
class Context:
    user: Any
    vocab: Vocabulary = field(default_factory=Vocabulary)
    by_slug: dict[str, Organisation] = field(default_factory=dict)
    by_name: dict[tuple[str, str], list[Organisation]] = field(default_factory=dict)
    managed: set[int] = field(default_factory=set)
    seen: dict[tuple, int] = field(default_factory=dict)

    def may_change(self, org: Organisation) -> bool:
        return self.user.has_perm("clusters.change_organisation", org) or (
            org.pk not in self.managed
        )


def _parse(key: str, text: str, vocab: Vocabulary) -> Any:
    if key == "country":
        return cells.country(text)
    if key == "region":
        return vocab.region(text)
    if key in M2M:
        return vocab.codes(key, text)
    if key == "target_countries":
        return cells.country_list(text)
    return cells.scalar(Organisation, key, text)


def _current(org: Organisation, key: str) -> Any:
    if key == "country":
        return str(org.country)
    if key == "region":
        return org.region_id
    if key in M2M:
        return sorted(term.pk for term in getattr(org, key).all())
    if key == "target_countries":
        return sorted({str(code) for code in org.target_countries})
    return getattr(org, key)


def _same(key: str, value: Any, current: Any) -> bool:
    if key == "region":
        return (value.pk if value else None) == current
    return value == current


def _load(chunk: Sequence[Row], context: Context) -> None:
    """The organisations this chunk names (by slug, or by name), with their terms."""
    slugs = {c["slug"] for _n, c in chunk if c.get("slug")}
    names = {c["name"] for _n, c in chunk if not c.get("slug") and c.get("name")}
    if not slugs and not names:
        return
    # LOWER() is ASCII-only on SQLite: the exact names match there too.
    found = (
        Organisation.objects.annotate(name_lower=Lower("name"))
        .filter(
            Q(slug__in=slugs) | Q(name_lower__in={n.lower() for n in names}) | Q(name__in=names)
        )
        .prefetch_related(*M2M)
    )
    context.by_slug, context.by_name = {}, {}
    for org in found:
        context.by_slug[org.slug] = org
        context.by_name.setdefault((org.name.lower(), str(org.country)), []).append(org)
    context.managed = set(
        OrganisationRole.objects.filter(
            organisation__in=[o.pk for o in context.by_slug.values()],
            role=OrganisationRole.Role.MANAGER,
        ).values_list("organisation_id", flat=True)
    )


def _find(plan: Plan, number: int, slug: str, values: dict, context: Context):
    """(organisation or None, the key that identifies the row) or None on an error."""
    if slug:
        return context.by_slug.get(slug), ("slug", slug)
    if "name" not in values or "country" not in values:
        return None
    name, country = values["name"], values["country"]
    matches = context.by_name.get((name.lower(), country), [])
    if len(matches) > 1:
        plan.error(
            number,
            "name",
            f"{len(matches)} organisations in {country} are called “{name}”: add the slug "
            "column to say which one.",
        )
        return None
    return (matches[0] if matches else None), ("name", name.lower(), country)


def _consistent(
    plan: Plan, number: int, values: dict, org: Organisation | None, vocab: Vocabulary
) -> bool:
    """Rules across columns, on the organisation as the row would leave it."""
    errors = len(plan.errors)
    kind = values.get("kind", org.kind if org else "")
    if kind != Kind.CLUSTER:
        for key in CLUSTER_ONLY:
            if values.get(key) not in (None, ""):
                plan.error(number, key, "Only cluster organisations have this: leave it blank.")
    else:
        label = values.get("label", org.label if org else "")
        until = values.get("label_valid_until", org.label_valid_until if org else None)
        if label and not until:
            plan.error(number, "label_valid_until", "Give the date until which the label is valid.")
    if "region" in values or "country" in values:
        region = values["region"] if "region" in values else vocab.region_of(org)
        country = values.get("country", str(org.country) if org else "")
        if region is not None and region.country != country:
            plan.error(number, "region", f"{region.code} is not in {countries.name(country)}.")
    return len(plan.errors) == errors


def _row(plan: Plan, number: int, row: dict[str, str], context: Context) -> Record | None:
    values: dict[str, Any] = {}
    errors = len(plan.errors)
    for key, text in row.items():
        if key == "slug":
            continue
        try:
            values[key] = _parse(key, text, context.vocab)
        except CellError as error:
            plan.error(number, key, str(error))
    slug = row.get("slug", "")
    if slug:
        try:
            cells.slug(slug, reserved=services.RESERVED_SLUGS)
        except CellError as error:
            plan.error(number, "slug", str(error))
    found = _find(plan, number, slug, values, context)
    if found is None:
        return None
    org, key = found
    key_column = "slug" if slug else "name"
    first = context.seen.get(key) or (org and context.seen.get(("pk", org.pk)))
    if first:
        plan.error(number, key_column, f"This organisation is already in row {first}.")
        return None
    context.seen[key] = number
    if org is not None:
        context.seen[("pk", org.pk)] = number
    if len(plan.errors) > errors:
        return None
    if org is None:
        if not _consistent(plan, number, values, None, context.vocab):
            return None
        return Record(number, CREATE, values["name"], (), None, {"fields": values, "slug": slug})
    changes = [k for k, v in values.items() if not _same(k, v, _current(org, k))]
    if not changes:
        return Record(number, UNCHANGED, org.name, (), org)
    if not _consistent(plan, number, values, org, context.vocab):
        return None
    if not context.may_change(org):
        plan.error(
            number,
            key_column,
            f"“{org.name}” is kept by its own managers: only they or platform staff change it.",
        )
        return None
    fields = {k: values[k] for k in changes}
    return Record(number, UPDATE, org.name, changes, org, {"fields": fields})


def validate(table: Table, user, *, progress: Progress = None) -> Plan:
    """Check every row against the database; write nothing."""
    plan = Plan()
    positions = column_keys(table, plan, known=KEYS, labels=LABELS)
    require(plan, positions, REQUIRED)
    if plan.errors:
        return plan
    context = Context(user=user)
    done = 0
    for chunk in chunks(rows_of(table, positions)):
        _load(chunk, context)
        for number, row in chunk:
            record = _row(plan, number, row, context)
            if record is not None:
                plan.records.append(record)
        done += len(chunk)
        if progress:
            progress(done)
    return plan


def _create(fields: dict[str, Any], slug: str, user) -> Organisation:
    # The importing officer does not become the new profile's manager.
    return services.organisation_create(user=user, fields=fields, slug=slug, manager=False)


def _write(record: Record, user) -> None:
    if record.action == CREATE:
        _create(record.data["fields"], record.data["slug"], user)
    else:
        services.organisation_update(organisation=record.obj, fields=record.data["fields"])


def write(plan: Plan, user) -> None:
    """Write the plan's new and changed organisations (inside the caller's transaction)."""
    write_records(plan, lambda record: _write(record, user))
