"""E-mail reminders before each meeting, each sent once (Celery beat, every minute)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .calendar import meeting_place
from .models import Meeting

LONGEST_LEAD = timedelta(days=1)


def due(meeting: Meeting, now) -> bool:
    minutes = meeting.event.reminder_minutes
    if not minutes:
        return False
    return meeting.slot.starts_at - timedelta(minutes=minutes) <= now < meeting.slot.starts_at


@transaction.atomic
def send_due_reminders(now=None) -> int:
    """Remind both people of each meeting starting within its event's lead time.

    Rows are locked and skipped when another worker holds them, and marked in the same
    transaction as the mails go out: two beat runs never remind twice.
    """
    now = now or timezone.now()
    rows = (
        Meeting.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related(
            "event",
            "slot",
            "request__sender__person",
            "request__sender__organisation",
            "request__receiver__person",
            "request__receiver__organisation",
        )
        .filter(
            status=Meeting.Status.SCHEDULED,
            reminder_sent_at__isnull=True,
            slot__starts_at__gt=now,
            slot__starts_at__lte=now + LONGEST_LEAD,
        )
        .exclude(event__reminder_minutes=0)
    )
    messages, sent = [], []
    for meeting in rows:
        if not due(meeting, now):
            continue
        event = meeting.event
        start = event.local(meeting.slot.starts_at)
        # The beat may run late, or the meeting was placed shortly before it starts.
        minutes = max(1, round((meeting.slot.starts_at - now).total_seconds() / 60))
        link = settings.SITE_URL + reverse("events:agenda", kwargs={"slug": event.slug})
        request = meeting.request
        for me, other in ((request.sender, request.receiver), (request.receiver, request.sender)):
            messages.append(
                (
                    f"In {minutes} minutes: meeting with {other.organisation}",
                    f"Your meeting with {other.organisation} at {event.name} starts at "
                    f"{start:%H:%M} on {start:%A %d %B %Y} ({event.time_zone}).\n"
                    f"{meeting_place(meeting)}\n\nYour agenda: {link}\n",
                    None,
                    [me.person.email],
                )
            )
        sent.append(meeting.pk)
    if messages:
        send_mass_mail(messages)
    Meeting.objects.filter(pk__in=sent).update(reminder_sent_at=now)
    return len(sent)
