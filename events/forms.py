"""Participants' forms: they validate and render; the views hand cleaned data to services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from clusters.forms import TopicsField
from clusters.models import Organisation
from clusters.rules import organisation_ids_for

from .models import Event, MarketplaceItem, MeetingRating, Registration, SessionWindow, Slot


def window_label(event: Event, window: SessionWindow) -> str:
    """A session in the event's zone, without touching ``window.event`` (one query per row)."""
    start, end = event.local(window.starts_at), event.local(window.ends_at)
    label = f"{window.label}: " if window.label else ""
    return f"{label}{start:%a %d %b %Y, %H:%M} to {end:%H:%M}"


class SessionCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes under their own widget type: includes/field.html adds the "hold Ctrl" hint of
    multiple selects to any widget type containing "selectmultiple"."""


class RegistrationForm(forms.Form):
    """Register for an event, or change a registration (then the organisation is fixed)."""

    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label="On behalf of",
        empty_label=None,
        help_text="One of your published organisations.",
    )
    availability = forms.ModelMultipleChoiceField(
        queryset=SessionWindow.objects.none(),
        required=False,
        widget=SessionCheckboxes,
        label="When you can meet",
    )
    blocked_slots = forms.ModelMultipleChoiceField(
        queryset=Slot.objects.none(),
        required=False,
        widget=SessionCheckboxes,
        label="Meeting times you cannot make",
        help_text="E.g. a plenary or workshop you attend: no meeting is scheduled then.",
    )
    max_meetings = forms.IntegerField(required=False, min_value=1, label="Most meetings you want")
    topics = TopicsField(
        required=False,
        label="Topics",
        help_text="Comma-separated, e.g. battery recycling, hydrogen storage",
    )
    interests = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What you would like to meet about",
        help_text="Other participants read this when they choose whom to meet.",
    )

    def __init__(
        self,
        *args: Any,
        event: Event,
        user,
        registration: Registration | None = None,
        **kwargs: Any,
    ) -> None:
        if registration is not None:
            kwargs.setdefault(
                "initial",
                {
                    "organisation": registration.organisation_id,
                    "availability": list(registration.availability.all()),
                    "blocked_slots": list(registration.blocked_slots.all()),
                    "max_meetings": registration.max_meetings,
                    "topics": list(registration.topics.all()),
                    "interests": registration.interests,
                },
            )
        super().__init__(*args, **kwargs)
        self.event = event
        organisation = self.fields["organisation"]
        organisation.queryset = Organisation.objects.published().filter(
            pk__in=organisation_ids_for(user)
        )
        if registration is not None:
            # A registration stays with its organisation: cancel and register again to change.
            organisation.queryset = Organisation.objects.filter(pk=registration.organisation_id)
            organisation.disabled = True
            organisation.help_text = (
                "To take part for another organisation, cancel and register again."
            )
        windows = self.fields["availability"]
        windows.queryset = event.windows.all()
        windows.label_from_instance = lambda window: window_label(event, window)
        windows.help_text = (
            f"Times in {event.time_zone}. Choose none if you can meet in every session."
        )
        blocked = self.fields["blocked_slots"]
        blocked.queryset = event.slots.order_by("index")
        blocked.label_from_instance = lambda slot: str(slot)
        limit = self.fields["max_meetings"]
        limit.widget.attrs["max"] = event.max_meetings
        limit.validators.append(_at_most(event))
        limit.help_text = (
            f"Up to {event.max_meetings}, the event's limit. Empty: the event's limit."
        )


def _at_most(event: Event):
    def check(value: int | None) -> None:
        if value is not None and value > event.max_meetings:
            raise ValidationError(f"Choose at most {event.max_meetings} meetings.")

    return check


class MeetingRequestForm(forms.Form):
    message = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why you would like to meet: they read it before they answer.",
    )
    part_of_day = forms.ChoiceField(
        required=False,
        choices=[("", "Any time"), ("morning", "Morning only"), ("afternoon", "Afternoon only")],
        label="When",
        help_text="The scheduler places the meeting in this part of the day.",
    )
    must_be_online = forms.BooleanField(
        required=False, label="Meet online", help_text="A video call instead of a table."
    )

    def __init__(self, *args, event=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if event is None or event.format != event.Format.HYBRID:
            # On site only, or online anyway: nothing to choose.
            del self.fields["must_be_online"]

    def preferences(self) -> dict[str, Any]:
        return {
            "part_of_day": self.cleaned_data.get("part_of_day", ""),
            "must_be_online": self.cleaned_data.get("must_be_online", False),
        }


class MarketplaceItemForm(forms.ModelForm):
    class Meta:
        model = MarketplaceItem
        fields = ["kind", "title", "description", "sectors", "technologies"]
        widgets = {
            "kind": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 5}),
            "sectors": forms.SelectMultiple(attrs={"size": 8}),
            "technologies": forms.SelectMultiple(attrs={"size": 8}),
        }
        labels = {"kind": "Type"}

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


YES_NO = [("yes", "Yes"), ("no", "No")]


class RatingForm(forms.Form):
    round = forms.ChoiceField(choices=MeetingRating.Round.choices, widget=forms.RadioSelect)
    took_place = forms.TypedChoiceField(
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        label="Did the meeting take place?",
    )
    outcome = forms.ChoiceField(
        choices=MeetingRating.Outcome.choices,
        widget=forms.RadioSelect,
        initial=MeetingRating.Outcome.NONE,
        label="Outcome",
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only the organisers read it.",
    )

    def __init__(self, *args: Any, rounds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["round"]
        field.choices = [(v, label) for v, label in MeetingRating.Round.choices if v in rounds]
        if len(field.choices) == 1:
            field.widget = forms.HiddenInput()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("took_place") is False and data.get("outcome") not in (
            None,
            MeetingRating.Outcome.NONE,
        ):
            self.add_error("outcome", "A meeting that did not take place has no outcome.")
        return data
