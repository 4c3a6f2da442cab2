"""The participant list of an event, as rows: one column definition for the CSV export (and,
later, XLSX or the API), so a new column is added in one place.

Rows carry personal data (names, e-mail addresses): only the event's organisers and staff
export them (``events.manage_registrations``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from clusters.exports.writers import escape

from .models import Event, MeetingRequest, Registration, SessionWindow
from .services import effective_max_meetings

# Rows are read from the database in chunks of this size; the prefetches run once per chunk.
CHUNK_SIZE = 2000


def accepted_meetings() -> Coalesce:
    """An annotation: accepted meetings of the registration, sent or received (a subquery,
    so that no join multiplies the rows)."""
    counted = (
        MeetingRequest.objects.filter(
            Q(sender=OuterRef("pk")) | Q(receiver=OuterRef("pk")),
            status=MeetingRequest.Status.ACCEPTED,
        )
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def export_queryset(event: Event) -> QuerySet[Registration]:
    """Every registration of the event (all statuses), with what the columns read."""
    return (
        Registration.objects.filter(event=event)
        .select_related("organisation", "person")
        .prefetch_related(
            Prefetch("availability", queryset=SessionWindow.objects.order_by("starts_at")),
            "topics",
        )
        .annotate(accepted_meetings=accepted_meetings())
        .order_by("organisation__name", "person__email", "pk")
    )


def _person(registration: Registration) -> str:
    return registration.person.get_full_name()


def _registered_at(registration: Registration) -> str:
    return f"{registration.event.local(registration.created_at):%Y-%m-%d %H:%M}"


def _window(registration: Registration, window: SessionWindow) -> str:
    event = registration.event
    start, end = event.local(window.starts_at), event.local(window.ends_at)
    label = f"{window.label} " if window.label else ""
    return f"{label}({start:%Y-%m-%d %H:%M}-{end:%H:%M})"


def _availability(registration: Registration) -> str:
    windows = registration.availability.all()
    if not windows:
        return "All sessions"
    return "; ".join(_window(registration, w) for w in windows)


def _topics(registration: Registration) -> str:
    return "; ".join(sorted(t.name for t in registration.topics.all()))


# (header, getter): "{time_zone}" in a header is replaced by the event's zone.
PARTICIPANT_COLUMNS: list[tuple[str, Callable[[Registration], Any]]] = [
    ("Organisation", lambda r: r.organisation.name),
    ("Kind", lambda r: r.organisation.get_kind_display()),
    ("Country", lambda r: r.organisation.country.name),
    ("Person", _person),
    ("E-mail", lambda r: r.person.email),
    ("Status", lambda r: r.get_status_display()),
    ("Registered at ({time_zone})", _registered_at),
    ("Availability", _availability),
    ("Max meetings", effective_max_meetings),
    ("Meetings accepted", lambda r: r.accepted_meetings),
    ("Topics", _topics),
]


def headers(event: Event) -> list[str]:
    return [header.format(time_zone=event.time_zone) for header, _getter in PARTICIPANT_COLUMNS]


def participant_rows(event: Event) -> Iterator[list[Any]]:
    """One row per registration. Every row shares ``event`` (so the kind limits and the time
    zone are read once, not per row)."""
    for registration in export_queryset(event).iterator(chunk_size=CHUNK_SIZE):
        registration.event = event
        yield [getter(registration) for _header, getter in PARTICIPANT_COLUMNS]


class _Echo:
    """A file-like object that hands back what is written: csv.writer then yields lines."""

    def write(self, value: str) -> str:
        return value


def _safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is escaped (CSV injection), as in the
    partnership exports."""
    return escape(value) if isinstance(value, str) else value


def participant_csv(event: Event) -> Iterator[str]:
    """CSV lines (with a header), produced while the rows are read: memory stays flat."""
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark, so that spreadsheet programs read UTF-8
    yield writer.writerow(headers(event))
    for row in participant_rows(event):
        yield writer.writerow([_safe(v) for v in row])
