"""What a validation pass finds: errors by row and column, and a record per thing to write.

The same pass runs twice: for the preview (nothing written) and again inside the import's
transaction, right before the writes, so the writes always follow a plan checked against the
database as it is at that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from .readers import Table

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
PREVIEW_ROWS = 20
Progress = Callable[[int], None] | None


class RowFailed(Exception):
    """A service refused a row while writing: the whole import rolls back."""

    def __init__(self, row: int, error: Exception) -> None:
        super().__init__(str(error))
        self.row, self.error = row, error


@dataclass
class Record:
    """One organisation or partnership of the file and what the import does with it."""

    row: int
    action: str
    label: str
    changes: Sequence[str] = ()
    obj: Any = None
    data: dict[str, Any] = field(default_factory=dict)

    def preview(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "action": self.action,
            "label": self.label,
            "changes": list(self.changes),
        }


@dataclass
class Plan:
    records: list[Record] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, row: int | None, column: str, message: str) -> None:
        self.errors.append({"row": row, "column": column, "message": message})

    @property
    def valid(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((CREATE, UPDATE, UNCHANGED), 0)
        for record in self.records:
            counts[record.action] += 1
        return counts

    def summary(self) -> dict[str, Any]:
        """Counts and the first rows, for ImportJob.summary (JSON)."""
        return {
            **self.counts(),
            "rows": [record.preview() for record in self.records[:PREVIEW_ROWS]],
            "error_count": len(self.errors),
        }


def column_keys(
    table: Table,
    plan: Plan,
    *,
    known: Iterable[str],
    labels: dict[str, str],
    ignored: Iterable[str] = (),
) -> dict[str, int]:
    """Map each header to a column key (the key itself or its label, any letter case) and
    its position; unknown or repeated columns are errors on row 1. Ignored (derived) columns
    are left out of the map."""
    known, ignored = set(known), set(ignored)
    by_name = {key: key for key in known | ignored}
    by_name.update({label.casefold(): key for label, key in labels.items()})
    positions: dict[str, int] = {}
    seen: set[str] = set()
    for index, header in enumerate(table.headers):
        name = header.strip()
        key = by_name.get(name.casefold()) or by_name.get(name.casefold().replace(" ", "_"))
        if not name:
            plan.error(1, f"column {index + 1}", "This column has no name in the first row.")
        elif key is None:
            plan.error(1, name, f"Unknown column “{name}”.")
        elif key in seen:
            plan.error(1, name, f"The column “{name}” appears twice.")
        else:
            seen.add(key)
            if key not in ignored:
                positions[key] = index
    for row, column in table.stray:
        plan.error(row, f"column {column}", "This cell is in a column without a name.")
    return positions


def require(plan: Plan, positions: dict[str, int], required: Iterable[str]) -> None:
    missing = [key for key in required if key not in positions]
    if missing:
        names = ", ".join(missing)
        plan.error(1, names, f"Missing required column{'s' if len(missing) > 1 else ''}: {names}.")


def rows_of(table: Table, positions: dict[str, int]) -> list[tuple[int, dict[str, str]]]:
    """The data rows as {key: text}, only the known columns."""
    return [
        (number, {key: cells[index] for key, index in positions.items()})
        for number, cells in table.rows
    ]


def write_records(plan: Plan, write_one: Callable[[Record], None]) -> None:
    """Write each new or changed record (inside the caller's transaction); a service's
    refusal becomes a RowFailed naming the row, so the whole import rolls back."""
    for record in plan.records:
        if record.action == UNCHANGED:
            continue
        try:
            write_one(record)
        except (ValidationError, PermissionDenied) as error:
            raise RowFailed(record.row, error) from error


def chunks(items: Sequence, size: int = 500) -> Iterable[Sequence]:
    """Slices small enough for one ``__in`` query on every database (SQLite's parameter
    limit included)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
