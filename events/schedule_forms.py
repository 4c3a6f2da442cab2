"""The organisers' form for placing a meeting by hand or moving one: a time and a table.

The slot choices say, for each time, whether both people are free and how many tables are
left, so that an organiser picks a time that works instead of guessing; an empty table means
"the first free table then". The service still checks everything (and the database refuses a
double booking), so a choice that went stale meanwhile becomes an error on the field.
"""

from __future__ import annotations

from django import forms

from .models import Event, Meeting, MeetingRequest, MeetingSeat, Slot
from .services.meetings import available_slot_ids, is_online

SCHEDULED = Meeting.Status.SCHEDULED
DASH = "\u2013"


def slot_label(event: Event, slot: Slot) -> str:
    """A slot's time in the event's zone, e.g. "Tue 3 Jun 09:00-09:20" (an en dash)."""
    start, end = event.local(slot.starts_at), event.local(slot.ends_at)
    return f"{start:%a} {start.day} {start:%b %H:%M}{DASH}{end:%H:%M}"


class MeetingPlaceForm(forms.Form):
    """Where a meeting goes: a slot of the event and, on site, a table."""

    slot = forms.ModelChoiceField(queryset=Slot.objects.none(), label="Time", empty_label=None)
    table = forms.IntegerField(
        required=False,
        min_value=1,
        label="Table",
        help_text="Leave empty for the first table free at that time.",
    )

    def __init__(
        self,
        *args,
        event: Event,
        meeting_request: MeetingRequest,
        meeting: Meeting | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        self.meeting_request = meeting_request
        self.meeting = meeting
        self.online = is_online(meeting_request)
        slots = list(event.slots.order_by("index"))
        self.taken_tables = self._taken_tables()
        notes = self._slot_notes(slots)
        field = self.fields["slot"]
        field.queryset = event.slots.order_by("index")
        field.help_text = f"Times in {event.time_zone}."
        # Labels computed once here: a template loop would otherwise query per choice.
        field.choices = [(s.pk, f"{slot_label(event, s)} · {notes[s.pk]}") for s in slots]
        table = self.fields["table"]
        if self.online:
            table.disabled = True
            table.help_text = "This meeting is online: it needs no table."
        else:
            # The service names the allowed range if a number is out of it.
            table.widget.attrs["max"] = max(event.tables, 1)
            table.help_text = (
                f"1 to {event.tables}. Leave empty for the first table free at that time."
            )

    def _taken_tables(self) -> dict[int, set[int]]:
        """The tables in use per slot (without the meeting being moved)."""
        rows = Meeting.objects.filter(event=self.event, status=SCHEDULED, table__isnull=False)
        if self.meeting is not None:
            rows = rows.exclude(pk=self.meeting.pk)
        taken: dict[int, set[int]] = {}
        for slot_id, table in rows.values_list("slot_id", "table"):
            taken.setdefault(slot_id, set()).add(table)
        return taken

    def _slot_notes(self, slots: list[Slot]) -> dict[int, str]:
        """Per slot: who is busy or away then, and how many tables are left."""
        request = self.meeting_request
        sides = [request.sender, request.receiver]
        seats = MeetingSeat.objects.filter(registration__in=sides, meeting__status=SCHEDULED)
        if self.meeting is not None:
            seats = seats.exclude(meeting=self.meeting)
        busy: dict[int, set[int]] = {side.pk: set() for side in sides}
        for registration_id, slot_id in seats.values_list("registration_id", "slot_id"):
            busy[registration_id].add(slot_id)
        available = {side.pk: available_slot_ids(side, slots) for side in sides}
        notes = {}
        for slot in slots:
            problems = []
            for side in sides:
                if slot.pk not in available[side.pk]:
                    problems.append(f"{side.organisation.name} not available")
                elif slot.pk in busy[side.pk]:
                    problems.append(f"{side.organisation.name} busy")
            note = "; ".join(problems) or "both free"
            if not self.online:
                free = self.event.tables - len(self.taken_tables.get(slot.pk, ()))
                note += f" · {max(free, 0)} of {self.event.tables} tables free"
            notes[slot.pk] = note
        return notes

    def clean(self) -> dict:
        data = super().clean()
        slot, table = data.get("slot"), data.get("table")
        if self.online:
            data["table"] = None
        elif slot is not None and table is None and "table" not in self.errors:
            taken = self.taken_tables.get(slot.pk, set())
            free = next((t for t in range(1, self.event.tables + 1) if t not in taken), None)
            if free is None:
                self.add_error("table", "No table is free at that time: choose another time.")
            data["table"] = free
        return data
