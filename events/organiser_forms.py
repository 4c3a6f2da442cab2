"""Organisers' forms: an event, its session windows and its per-kind meeting limits.

Every date and time typed here is a wall-clock time of the EVENT's time zone (the zone chosen
in the same form), whatever the server's or the browser's zone: the fields return naive
values and ``EventForms`` attaches the chosen zone before the view calls the services.
"""

from __future__ import annotations

import itertools
import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.forms.utils import flatatt
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django_countries import countries

from clusterplatform.accounts.roles import is_platform_staff
from clusters.models import OrganisationKind, Sector

from .models import Event, EventFormat, EventKind
from .models.events import MAX_EXPIRY, MIN_EXPIRY, time_zone_names

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
DEFAULT_ZONE = "Europe/Brussels"
TIME_ZONES = sorted(
    z
    for z in time_zone_names()
    if "/" in z and not z.startswith(("Etc/", "SystemV/", "posix/", "right/"))
)
UNITS = {"minutes": 1, "hours": 60, "days": 1440}


def aware(moment: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    """A wall-clock time of ``tz`` as an aware datetime. A time skipped when the clocks go
    forward is refused rather than silently moved by an hour."""
    result = moment.replace(tzinfo=tz)
    if result.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != moment:
        raise ValidationError(
            f"{moment:%d %B %Y %H:%M} does not exist in {tz.key}: the clocks go forward then."
        )
    return result


def wall_clock(moment: datetime | None, tz: zoneinfo.ZoneInfo) -> datetime | None:
    """An aware moment as the naive wall-clock time of ``tz`` that the form shows."""
    return moment.astimezone(tz).replace(tzinfo=None) if moment else None


class WallClockField(forms.DateTimeField):
    """A date and time without a zone (an HTML ``datetime-local`` input)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)

    def prepare_value(self, value: Any) -> Any:
        return value  # shown as typed, never converted to the server's zone

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            result = value
        else:
            try:
                result = parse_datetime(str(value).strip())
            except ValueError:
                result = None
            if result is None:  # the other formats Django accepts ("2026-05-04 09:00")
                result = forms.fields.BaseTemporalField.to_python(self, value)
        if result.tzinfo is not None:
            raise ValidationError("Give a date and time without a time zone.", code="invalid")
        return result.replace(second=0, microsecond=0)


class ExpiryWidget(forms.MultiWidget):
    def __init__(self, attrs: dict | None = None) -> None:
        widgets = [
            forms.NumberInput(attrs={"min": 1, "max": 14400}),
            forms.Select(choices=[(u, u) for u in UNITS]),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value: timedelta | None) -> list:
        if not value:
            return [None, "days"]
        minutes = int(value.total_seconds() // 60)
        for unit in ("days", "hours"):
            if minutes % UNITS[unit] == 0:
                return [minutes // UNITS[unit], unit]
        return [minutes, "minutes"]


class ExpiryField(forms.MultiValueField):
    """A number and a unit (minutes, hours or days), between 15 minutes and 10 days."""

    widget = ExpiryWidget

    def __init__(self, **kwargs: Any) -> None:
        fields = (
            forms.IntegerField(min_value=1, max_value=14400),
            forms.ChoiceField(choices=[(u, u) for u in UNITS]),
        )
        super().__init__(fields, **kwargs)

    def compress(self, data_list: list) -> timedelta | None:
        if not data_list or data_list[0] is None:
            return None
        value = timedelta(minutes=data_list[0] * UNITS[data_list[1]])
        if not MIN_EXPIRY <= value <= MAX_EXPIRY:
            raise ValidationError(
                "Choose between 15 minutes and 10 days (14,400 minutes).", code="range"
            )
        return value


class PlainSelect(forms.Select):
    """A select rendered in Python: Django's widget templates render one template per option,
    which cost ~100 ms for the 400 time zones."""

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer=None) -> str:
        chosen = "" if value is None else str(value)
        selected = mark_safe(" selected")
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((v, selected if str(v) == chosen else "", label) for v, label in self.choices),
        )
        final = {**self.build_attrs(self.attrs, attrs), "name": name}
        return format_html("<select{}>{}</select>", flatatt(final), options)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class EventForm(forms.Form):
    """Every field of an event an organiser sets (status has its own buttons)."""

    DATETIMES = ("starts_at", "ends_at", "registration_opens_at", "registration_deadline")

    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(label="Type", choices=EventKind.choices, initial=EventKind.B2B)
    format = forms.ChoiceField(choices=EventFormat.choices, initial=EventFormat.ONSITE)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))
    venue = forms.CharField(max_length=200, required=False)
    city = forms.CharField(max_length=100, required=False)
    country = forms.ChoiceField(choices=[("", "—"), *countries], required=False, widget=PlainSelect)
    time_zone = forms.ChoiceField(
        choices=[(z, z) for z in TIME_ZONES],
        widget=PlainSelect,
        initial=DEFAULT_ZONE,
        help_text="All dates and times of this form are in this time zone.",
    )
    starts_at = WallClockField(label="Starts")
    ends_at = WallClockField(label="Ends")
    registration_opens_at = WallClockField(
        label="Registration opens", required=False, help_text="Empty: open once published."
    )
    registration_deadline = WallClockField(label="Registration deadline")
    meeting_minutes = forms.IntegerField(
        label="Meeting length (minutes)", min_value=5, max_value=240, initial=20
    )
    break_minutes = forms.IntegerField(
        label="Break between meetings (minutes)", min_value=0, max_value=120, initial=5
    )
    tables = forms.IntegerField(min_value=0, max_value=10_000, initial=20, help_text="On site.")
    online_meeting_url = forms.CharField(
        label="Online meeting link",
        max_length=300,
        required=False,
        help_text="Video-call link for online meetings; {meeting} is replaced by the meeting id.",
    )
    requires_approval = forms.BooleanField(
        required=False, help_text="Organisers approve each registration before it counts."
    )
    requests_need_acceptance = forms.BooleanField(
        required=False,
        initial=True,
        help_text="Otherwise a meeting request is accepted as soon as it is sent.",
    )
    request_expiry = ExpiryField(
        label="Unanswered requests expire after",
        initial=timedelta(days=3),
        help_text="A number of minutes, hours or days: between 15 minutes and 10 days.",
    )
    max_meetings = forms.IntegerField(
        label="Most meetings per participant", min_value=1, max_value=200, initial=12
    )
    reminder_minutes = forms.IntegerField(
        label="Meeting reminder (minutes before)",
        min_value=0,
        max_value=24 * 60,
        initial=10,
        help_text="E-mail participants this many minutes before each meeting (0: no reminder).",
    )
    sectors = forms.ModelMultipleChoiceField(
        queryset=Sector.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    organisers = forms.CharField(
        label="Other organisers",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="E-mail addresses of existing accounts, one a line or comma-separated.",
    )

    def __init__(self, *args: Any, user, event: Event | None = None, **kwargs: Any) -> None:
        self.user, self.event = user, event
        if event is not None:
            kwargs.setdefault("initial", self.initial_from(event))
        super().__init__(*args, **kwargs)
        if event is not None:
            self.fields["organisers"].label = "Organisers"
            self.fields["organisers"].help_text = (
                "E-mail addresses of existing accounts, one a line or comma-separated. "
                "Organisers edit the event and manage its registrations."
            )

    @classmethod
    def initial_from(cls, event: Event) -> dict[str, Any]:
        tz = event.tz
        initial = {name: getattr(event, name) for name in cls.base_fields if hasattr(event, name)}
        initial.update({name: wall_clock(getattr(event, name), tz) for name in cls.DATETIMES})
        initial["country"] = event.country.code or ""
        initial["sectors"] = list(event.sectors.all())
        initial["organisers"] = "\n".join(
            event.organisers.order_by("email").values_list("email", flat=True)
        )
        return initial

    @property
    def tz(self) -> zoneinfo.ZoneInfo | None:
        name = self.cleaned_data.get("time_zone")
        return zoneinfo.ZoneInfo(name) if name else None

    def clean_organisers(self) -> list:
        text = self.cleaned_data["organisers"]
        emails = list(dict.fromkeys(e.strip().lower() for e in text.replace(",", "\n").split()))
        for email in emails:
            try:
                validate_email(email)
            except ValidationError as error:
                raise ValidationError(f"“{email}” is not an e-mail address.") from error
        found = {
            u.email: u for u in get_user_model().objects.filter(email__in=emails, is_active=True)
        }
        unknown = [e for e in emails if e not in found]
        if unknown:
            raise ValidationError(f"No account has the address {', '.join(unknown)}.")
        users = [found[e] for e in emails]
        if self.event is None:  # whoever creates an event organises it
            return [self.user, *(u for u in users if u.pk != self.user.pk)]
        if not users:
            raise ValidationError("An event needs at least one organiser.")
        if self.user not in users and not is_platform_staff(self.user):
            raise ValidationError("Keep yourself among the organisers: ask staff to hand over.")
        return users

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        tz = self.tz
        if tz is None:
            return data
        for name in self.DATETIMES:
            if data.get(name):
                try:
                    data[name] = aware(data[name], tz)
                except ValidationError as error:
                    self.add_error(name, error)
        starts, ends = data.get("starts_at"), data.get("ends_at")
        opens, deadline = data.get("registration_opens_at"), data.get("registration_deadline")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The event must end after it starts.")
        if deadline and ends and deadline > ends:
            self.add_error(
                "registration_deadline", "Registration must close before the event ends."
            )
        if opens and deadline and opens >= deadline:
            self.add_error("registration_opens_at", "Registration must open before its deadline.")
        return data


class WindowForm(forms.Form):
    """A session in which meetings happen: a date, a start and an end time (event zone)."""

    date = forms.DateField(widget=_date_input())
    starts = forms.TimeField(label="From", widget=_time_input())
    ends = forms.TimeField(label="To", widget=_time_input())
    label = forms.CharField(max_length=100, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            self.add_error("ends", "A session must end after it starts.")
        return data


class BaseWindowFormSet(forms.BaseFormSet):
    def rows(self) -> list[tuple[forms.Form, dict]]:
        return [
            (form, form.cleaned_data)
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


def window_formset(extra: int) -> type[forms.BaseFormSet]:
    return forms.formset_factory(
        WindowForm,
        formset=BaseWindowFormSet,
        extra=extra,
        can_delete=True,
        can_delete_extra=False,
        max_num=50,
        validate_max=True,
    )


class KindLimitForm(forms.Form):
    """Lower meeting limits for some organisation kinds (e.g. 6 for investors)."""

    def __init__(self, *args: Any, event: Event | None = None, **kwargs: Any) -> None:
        if event is not None:
            kwargs.setdefault(
                "initial",
                {f"limit_{k}": n for k, n in event.kind_limits.values_list("kind", "max_meetings")},
            )
        super().__init__(*args, **kwargs)
        for kind, label in OrganisationKind.choices:
            self.fields[f"limit_{kind}"] = forms.IntegerField(
                label=label, min_value=1, max_value=200, required=False
            )

    def limits(self) -> dict[str, int]:
        return {
            kind: self.cleaned_data[f"limit_{kind}"]
            for kind in OrganisationKind.values
            if self.cleaned_data.get(f"limit_{kind}")
        }


class EventForms:
    """The event form, its session rows and its kind limits, validated together and turned
    into the arguments of ``services.create_event`` / ``update_event``."""

    def __init__(self, data=None, *, user, event: Event | None = None) -> None:
        self.event = event
        self.form = EventForm(data, user=user, event=event)
        initial = []
        if event is not None:
            tz = event.tz
            for window in event.windows.all():
                start, end = wall_clock(window.starts_at, tz), wall_clock(window.ends_at, tz)
                initial.append(
                    {"date": start.date(), "starts": start.time(), "ends": end.time(),
                     "label": window.label}
                )  # fmt: skip
        self.windows = window_formset(extra=2 if initial else 3)(
            data, initial=initial or None, prefix="windows"
        )
        self.limits = KindLimitForm(data, event=event, prefix="limits")

    def is_valid(self) -> bool:
        valid = [f.is_valid() for f in (self.form, self.windows, self.limits)]
        if all(valid):
            self._check_windows()
            self._check_limits()
        return all(valid) and not self.errors_found()

    def errors_found(self) -> bool:
        return bool(self.form.errors or self.windows.total_error_count() or self.limits.errors)

    def _check_windows(self) -> None:
        data, tz = self.form.cleaned_data, self.form.tz
        starts, ends = data.get("starts_at"), data.get("ends_at")
        placed = []
        for form, row in self.windows.rows():
            try:
                start = aware(datetime.combine(row["date"], row["starts"]), tz)
                end = aware(datetime.combine(row["date"], row["ends"]), tz)
            except ValidationError as error:
                form.add_error("starts", error)
                continue
            if starts and ends and (start < starts or end > ends):
                form.add_error("date", "Sessions must lie within the event's dates.")
                continue
            placed.append((start, end, form))
        placed.sort(key=lambda p: p[0])
        for (_s1, end1, _f1), (start2, _e2, form2) in itertools.pairwise(placed):
            if start2 < end1:
                form2.add_error("starts", "This session overlaps the one before it.")

    def _check_limits(self) -> None:
        most = self.form.cleaned_data.get("max_meetings")
        for kind, value in self.limits.limits().items():
            if most and value > most:
                self.limits.add_error(
                    f"limit_{kind}", f"Higher than the event's limit of {most}: it has no effect."
                )

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.form.cleaned_data)
        tz = self.form.tz
        windows = [
            (
                aware(datetime.combine(row["date"], row["starts"]), tz),
                aware(datetime.combine(row["date"], row["ends"]), tz),
                row["label"].strip(),
            )
            for _form, row in self.windows.rows()
        ]
        data["country"] = data["country"] or ""
        return {"fields": data, "windows": windows, "kind_limits": self.limits.limits()}

    def add_service_error(self, error: ValidationError) -> None:
        """A service's refusal onto the field it names; window errors above the sessions."""
        if not hasattr(error, "error_dict"):
            self.form.add_error(None, error.messages)
            return
        for field, messages in error.message_dict.items():
            if field in self.form.fields:
                self.form.add_error(field, messages)
            elif field == "windows":
                self.windows._non_form_errors = self.windows.error_class(
                    [*self.windows.non_form_errors(), *messages], error_class="nonform"
                )
            elif field == "kind_limits":
                self.limits.add_error(None, messages)
            else:
                self.form.add_error(None, messages)
