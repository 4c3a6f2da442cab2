"""Profile forms: they validate and render; the view hands cleaned data to services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django_countries import countries

from .models import Organisation, OrganisationRole

PROFILE_FIELDS = [
    "name",
    "acronym",
    "kind",
    "country",
    "region",
    "city",
    "latitude",
    "longitude",
    "website",
    "website_in_english",
    "founded_year",
    "description",
    "sectors",
    "ecosystems",
    "emerging_industries",
    "technologies",
    "thematic_areas",
    "offers",
    "offers_topics",
    "looks_for",
    "looks_for_topics",
    "target_countries",
    "collaboration_types",
    "member_count",
    "staff_fte",
    "label",
    "label_valid_until",
    "size_class",
    "turnover_band",
    "contact_name",
    "contact_email",
    "contact_phone",
]


class TopicsField(forms.CharField):
    """Comma-separated tags in the form, a list of names for the service."""

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, list | tuple):
            return ", ".join(getattr(v, "name", str(v)) for v in value)
        return value or ""

    def to_python(self, value: Any) -> list[str]:
        text = super().to_python(value) or ""
        names = [part.strip() for part in text.split(",") if part.strip()]
        too_long = [n for n in names if len(n) > 80]
        if too_long:
            raise ValidationError(f"Keep each topic under 80 characters: “{too_long[0][:40]}…”.")
        if len(names) > 30:
            raise ValidationError("Give at most 30 topics.")
        return names


def https_urls(field, **kwargs: Any):
    """Model fields to form fields, with bare domains in URL fields read as https://."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class OrganisationForm(forms.ModelForm):
    offers_topics = TopicsField(
        required=False, help_text="Comma-separated, e.g. additive manufacturing, testing labs"
    )
    looks_for_topics = TopicsField(required=False, help_text="Comma-separated")

    class Meta:
        model = Organisation
        fields = PROFILE_FIELDS
        formfield_callback = https_urls
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "offers": forms.Textarea(attrs={"rows": 3}),
            "looks_for": forms.Textarea(attrs={"rows": 3}),
            "label_valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "sectors": forms.SelectMultiple(attrs={"size": 8}),
            "technologies": forms.SelectMultiple(attrs={"size": 8}),
            "thematic_areas": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A region picker over 1,971 NUTS rows: level 2 and 3 only, labelled with the code.
        self.fields["region"].queryset = self.fields["region"].queryset.filter(level__gte=2)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        if kind != Organisation.Kind.CLUSTER and data.get("label"):
            self.add_error("label", "Only cluster organisations carry a cluster label.")
        if data.get("label") and not data.get("label_valid_until"):
            self.add_error("label_valid_until", "Give the date until which the label is valid.")
        region, country = data.get("region"), data.get("country")
        if region and country and region.country != str(country):
            self.add_error("region", f"{region} is not in {countries.name(country)}.")
        return data

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class MembershipForm(forms.Form):
    """Add a member by its profile address or slug (works at any number of organisations)."""

    member = forms.CharField(
        label="Member organisation",
        max_length=300,
        help_text="The member's profile address on this platform, or the last part of it.",
    )
    joined = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, queryset=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queryset = queryset if queryset is not None else Organisation.objects.published()

    def clean_member(self) -> Organisation:
        value = self.cleaned_data["member"].strip().rstrip("/")
        slug = value.rsplit("/", 1)[-1]
        member = self.queryset.filter(slug=slug).first()
        if member is None:
            raise ValidationError(f"No published organisation has the address “{slug}”.")
        return member


class RoleForm(forms.Form):
    email = forms.EmailField(label="E-mail address of an existing account")
    role = forms.ChoiceField(choices=OrganisationRole.Role.choices)
