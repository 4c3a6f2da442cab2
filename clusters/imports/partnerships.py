"""Partnerships from a file (PARTNERSHIP_COLUMNS, with or without member columns).

Each partnership is compared with the database first: only changed fields go to
``update_partnership``, a changed member list to ``set_members``, a changed status to
``publish_partnership``; a partnership equal to the database is not written at all. The
services check the importing user's permission on every write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q
from django.db.models.functions import Lower

from ..exports.columns import MEMBER_COLUMNS, PARTNERSHIP_COLUMNS
from ..models import Organisation, Partnership, PartnershipMember
from ..partnerships import services as partnership_services
from ..partnerships.services import (
    create_partnership,
    publish_partnership,
    set_members,
    update_partnership,
)
from . import cells, members
from .cells import CellError, Vocabulary
from .members import MEMBER_KEYS, MISSING, Group
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

FIELDS = (
    "name",
    "acronym",
    "type",
    "programme",
    "call",
    "phase",
    "starts_on",
    "ends_on",
    "eu_budget",
    "target_countries",
    "thematic_areas",
    "sectors",
    "website",
)
M2M = ("thematic_areas", "sectors")
LEVEL_KEYS = ("slug", "status", "coordinator", *FIELDS)
DERIVED = (
    "call_year",
    "member_count",
    "member_countries",
    "partnership_name",
    "organisation_name",
    "country",
    "kind",
)
KNOWN = tuple(c.key for c in PARTNERSHIP_COLUMNS) + MEMBER_KEYS + ("partnership",)
LABELS = {c.label: c.key for c in (*MEMBER_COLUMNS, *PARTNERSHIP_COLUMNS)}
# Page paths under /partnerships/ that a slug must not shadow (the dashboard's too).
RESERVED_SLUGS = partnership_services.RESERVED_SLUGS | {"dashboard"}
PUBLISHED = Partnership.Status.PUBLISHED


@dataclass
class Context:
    user: Any
    vocab: Vocabulary = field(default_factory=Vocabulary)
    orgs: dict[str, Organisation] = field(default_factory=dict)
    by_slug: dict[str, Partnership] = field(default_factory=dict)
    by_key: dict[tuple, list[Partnership]] = field(default_factory=dict)
    seen: dict[tuple, int] = field(default_factory=dict)


def _natural(programme_id, call_id, acronym: str, name: str) -> tuple:
    if acronym:
        return (programme_id, call_id, "acronym", acronym.lower())
    return (programme_id, call_id, "name", name.lower())


def _load(groups: Sequence[Group], context: Context) -> None:
    """Organisations named in these groups; partnerships they may be, with their members."""
    org_slugs = {g.cells.get("coordinator") for g in groups} | {
        m.get("organisation") for g in groups for _n, m in g.members
    }
    org_slugs.discard(None)
    org_slugs.discard("")
    context.orgs = {}
    for part in chunks(sorted(org_slugs)):
        context.orgs.update({o.slug: o for o in Organisation.objects.filter(slug__in=part)})
    slugs = {g.cells["slug"] for g in groups if g.cells.get("slug")}
    names = {g.cells[k] for g in groups for k in ("name", "acronym") if g.cells.get(k)}
    memberships = PartnershipMember.objects.select_related("organisation")
    found = (
        Partnership.objects.annotate(name_lower=Lower("name"), acronym_lower=Lower("acronym"))
        .filter(
            Q(slug__in=slugs)
            | Q(name_lower__in={n.lower() for n in names})
            | Q(acronym_lower__in={n.lower() for n in names})
            | Q(name__in=names)
            | Q(acronym__in=names)
        )
        .select_related("programme", "call")
        .prefetch_related(*M2M, Prefetch("memberships", queryset=memberships))
    )
    context.by_slug, context.by_key = {}, {}
    for p in found:
        context.by_slug[p.slug] = p
        for key in {
            _natural(p.programme_id, p.call_id, "", p.name),
            _natural(p.programme_id, p.call_id, p.acronym, p.name),
        }:
            context.by_key.setdefault(key, []).append(p)


def _parse(key: str, text: str, vocab: Vocabulary) -> Any:
    if key in M2M:
        return vocab.codes(key, text)
    if key == "target_countries":
        return cells.country_list(text)
    return cells.scalar(Partnership, key, text)


def _current(p: Partnership, key: str) -> Any:
    if key in ("programme", "call"):
        return getattr(p, f"{key}_id")
    if key in M2M:
        return sorted(term.pk for term in getattr(p, key).all())
    if key == "target_countries":
        return sorted({c.strip().upper() for c in p.target_countries.split(",") if c.strip()})
    return getattr(p, key)


def _same(key: str, value: Any, current: Any) -> bool:
    if key in ("programme", "call"):
        return (value.pk if value else None) == current
    return value == current


def _attempt(plan: Plan, number: int, column: str, parse, *args) -> Any:
    try:
        return parse(*args)
    except CellError as error:
        plan.error(number, column, str(error))
        return MISSING


def _values(plan: Plan, group: Group, context: Context) -> tuple[dict, Partnership | None, tuple]:
    """The partnership's parsed columns, the partnership it names, and its key."""
    number, row, vocab = group.row, group.cells, context.vocab
    values: dict[str, Any] = {}
    for key in FIELDS:
        if key in row and key not in ("programme", "call"):
            values[key] = _attempt(plan, number, key, _parse, key, row[key], vocab)
    if row.get("status"):  # blank: as it is (a new partnership starts as a draft)
        status_field = Partnership._meta.get_field("status")
        values["status"] = _attempt(
            plan, number, "status", cells.choice, status_field, row["status"]
        )
    if row.get("coordinator"):
        values["coordinator"] = context.orgs.get(row["coordinator"])
        if values["coordinator"] is None:
            plan.error(
                number, "coordinator", f"No organisation has the identifier “{row['coordinator']}”."
            )
    slug = row.get("slug", "")
    if slug:
        _attempt(plan, number, "slug", cells.slug, slug, RESERVED_SLUGS)
    if "programme" in row:
        values["programme"] = _attempt(plan, number, "programme", vocab.programme, row["programme"])
    existing = context.by_slug.get(slug) if slug else None
    if "call" in row:
        programme = values.get("programme", existing.programme if existing else None)
        if programme is not MISSING:
            values["call"] = _attempt(plan, number, "call", vocab.call, row["call"], programme)
    if slug:
        return values, existing, ("slug", slug)
    programme, call = values.get("programme"), values.get("call")
    name, acronym = row.get("name", ""), row.get("acronym", "")
    if MISSING in (programme, call) or not (name or acronym):
        return values, None, ()
    key = _natural(programme.pk if programme else None, call.pk if call else None, acronym, name)
    matches = context.by_key.get(key, [])
    if len(matches) > 1:
        plan.error(number, "name", f"{len(matches)} partnerships match: add the slug column.")
        return values, None, ()
    return values, (matches[0] if matches else None), key


def _consistent(
    plan: Plan, number: int, fields: dict, p: Partnership | None, changes: list, vocab: Vocabulary
) -> None:
    """Rules across columns, on the partnership as the file would leave it."""

    def now(key: str) -> Any:
        return fields[key] if key in fields else getattr(p, key, None)

    if {"starts_on", "ends_on"} & set(changes):
        starts, ends = now("starts_on"), now("ends_on")
        if starts and ends and ends < starts:
            plan.error(number, "ends_on", "A partnership ends after it starts.")
    if {"programme", "call"} & set(changes):
        if "programme" in fields:
            programme_id = fields["programme"].pk if fields["programme"] else None
        else:
            programme_id = p.programme_id if p else None
        call = (
            fields["call"]
            if "call" in fields
            else vocab.calls_by_pk.get(getattr(p, "call_id", None))
        )
        if call is not None and call.programme_id != programme_id:
            plan.error(
                number,
                "call" if "call" in changes else "programme",
                f"The call {call.code} belongs to another programme: give both columns.",
            )


def _group(plan: Plan, group: Group, context: Context) -> Record | None:
    number, errors = group.row, len(plan.errors)
    values, p, key = _values(plan, group, context)
    if key:
        first = context.seen.get(key) or (p and context.seen.get(("pk", p.pk)))
        if first:
            plan.error(
                number,
                key[0] if key[0] == "slug" else "name",
                f"This partnership is already in row {first}: keep its rows together.",
            )
            return None
        context.seen[key] = number
        if p is not None:
            context.seen[("pk", p.pk)] = number
    elif len(plan.errors) == errors:
        plan.error(number, "name", "Give the partnership's identifier (slug) or its name.")
    listed = members.listed_members(plan, group, context.orgs)
    if len(plan.errors) > errors:
        return None
    if p is None:
        missing = [k for k in ("name", "type") if k not in values]
        if missing:
            plan.error(
                number,
                "slug",
                f"No partnership has the identifier “{group.cells.get('slug')}”; to create it "
                f"the file needs the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}.",
            )
            return None
    coordinator = values.pop("coordinator", None)
    status = values.pop("status", None)
    current = {m.organisation_id: (m.role, m.joined_on) for m in p.memberships.all()} if p else {}
    desired = members.desired_members(
        plan, group, listed, coordinator, current, p.coordinator_id if p else None
    )
    if p is None and desired is None:
        plan.error(
            number,
            "coordinator" if "coordinator" in group.cells else "role",
            "A new partnership needs a coordinator: name it in the coordinator column or give "
            "one member the role coordinator.",
        )
    changes = [k for k, v in values.items() if p is None or not _same(k, v, _current(p, k))]
    _consistent(plan, number, values, p, changes, context.vocab)
    if p is not None:
        if desired is not None and desired != current:
            changes.append("members")
        if status is not None and status != p.status:
            changes.append("status")
    if len(plan.errors) > errors:
        return None
    if p is not None and not changes:
        return Record(number, UNCHANGED, p.name, (), p)
    perm = ("clusters.change_partnership", p) if p else ("clusters.add_partnership", None)
    if not context.user.has_perm(*perm):
        column = "slug" if "slug" in group.cells else "name"
        plan.error(number, column, "You may not change this partnership.")
        return None
    orgs = {o.pk: o for o in context.orgs.values()}
    orgs.update({m.organisation_id: m.organisation for m in (p.memberships.all() if p else ())})
    fields = {k: v for k, v in values.items() if k in changes}
    if "target_countries" in fields:
        fields["target_countries"] = ",".join(fields["target_countries"])
    data = {
        "fields": fields,
        "members": members.member_rows(desired, orgs)
        if desired is not None and (p is None or "members" in changes)
        else None,
        "status": status if (p is None and status == PUBLISHED) or "status" in changes else None,
        "slug": group.cells.get("slug", ""),
    }
    label = values.get("name") or (p.name if p else "")
    return Record(number, UPDATE if p else CREATE, label, changes if p else (), p, data)


def _positions(table: Table, plan: Plan) -> dict[str, int]:
    """Column positions; the members export's ``partnership`` column is the identifier."""
    positions = column_keys(table, plan, known=KNOWN, labels=LABELS, ignored=DERIVED)
    alias = positions.pop("partnership", None)
    if alias is not None and "slug" not in positions:
        positions["slug"] = alias
    if alias is not None and not {"name", "type"} & set(positions):
        require(plan, positions, ("slug", "organisation"))
    else:
        require(plan, positions, ("name", "type"))
    return positions


def validate(table: Table, user, *, progress: Progress = None) -> Plan:
    """Check every partnership of the file against the database; write nothing."""
    plan = Plan()
    positions = _positions(table, plan)
    if plan.errors:
        return plan
    groups = members.group_rows(plan, rows_of(table, positions), LEVEL_KEYS)
    context = Context(user=user)
    done = 0
    for chunk in chunks(groups, 200):
        _load(chunk, context)
        for group in chunk:
            record = _group(plan, group, context)
            if record is not None:
                plan.records.append(record)
        done += sum(1 + len(g.members) for g in chunk)
        if progress:
            progress(min(done, len(table)))
    return plan


def _write(record: Record, user) -> None:
    data = record.data
    if record.action == CREATE:
        # The file's identifier, so that importing it again finds this partnership.
        partnership = create_partnership(
            user=user, fields=data["fields"], members=data["members"], slug=data["slug"] or ""
        )
    else:
        partnership = record.obj
        if data["fields"]:
            partnership = update_partnership(
                user=user, partnership=partnership, fields=data["fields"]
            )
        if data["members"] is not None:
            set_members(user=user, partnership=partnership, members=data["members"])
    if data["status"] is not None:
        publish_partnership(user=user, partnership=partnership, publish=data["status"] == PUBLISHED)


def write(plan: Plan, user) -> None:
    """Write the plan's new and changed partnerships (inside the caller's transaction)."""
    write_records(plan, lambda record: _write(record, user))
