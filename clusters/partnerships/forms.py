"""The partnership form: it validates and renders; the views hand its data to ``services``.

Members are typed one per line (``organisation, role, joined``) rather than in a formset: a
coordinator pastes a consortium list from a spreadsheet in one go, and every error names the
line it is on.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django_countries import countries

from ..forms import https_urls
from ..models import Call, Organisation, Partnership, PartnershipMember
from .services import MemberRow

Role = PartnershipMember.Role

# The partnership's own fields, in the order of the form (members come separately).
PARTNERSHIP_FIELDS = [
    "name",
    "acronym",
    "type",
    "programme",
    "call",
    "phase",
    "starts_on",
    "ends_on",
    "eu_budget",
    "website",
    "description",
    "target_countries",
    "thematic_areas",
    "sectors",
]
# What a role may be typed as: its value or its label, in any case.
ROLE_NAMES = {
    **{value: value for value in Role.values},
    **{str(label).lower(): value for value, label in Role.choices},
    "associated": Role.ASSOCIATE,
}
MAX_MEMBER_LINES = 500


def member_lines(memberships) -> str:
    """The textarea's text for existing members: ``slug, role[, joined]`` per line."""
    lines = []
    for m in memberships:
        parts = [m.organisation.slug, m.role]
        if m.joined_on:
            parts.append(m.joined_on.isoformat())
        lines.append(", ".join(parts))
    return "\n".join(lines)


def target_country_codes(partnership: Partnership) -> list[str]:
    """The ISO codes stored comma-separated in ``target_countries``, upper case."""
    return [c.strip().upper() for c in partnership.target_countries.split(",") if c.strip()]


def _parse_line(number: int, line: str) -> tuple[str, str, date | None]:
    """One member line to (slug, role, joined); errors say which line and what is wrong."""
    parts = [part.strip() for part in line.split(",")]
    if len(parts) > 3:
        raise ValidationError(
            f"Line {number}: write “organisation, role, joined date”, "
            f"not {len(parts)} comma-separated parts."
        )
    slug = parts[0].rstrip("/").rsplit("/", 1)[-1]
    if not slug:
        raise ValidationError(f"Line {number}: the organisation is missing.")
    typed_role = parts[1] if len(parts) > 1 and parts[1] else Role.PARTNER
    role = ROLE_NAMES.get(typed_role.lower())
    if role is None:
        raise ValidationError(
            f"Line {number}: unknown role “{typed_role}” (use coordinator, partner or associate)."
        )
    joined = None
    if len(parts) > 2 and parts[2]:
        try:
            joined = date.fromisoformat(parts[2])
        except ValueError:
            raise ValidationError(
                f"Line {number}: “{parts[2]}” is not a date such as 2024-01-31."
            ) from None
    return slug, role, joined


class PartnershipForm(forms.ModelForm):
    target_countries = forms.MultipleChoiceField(
        choices=countries,
        required=False,
        label="Target countries",
        help_text="Third countries the partnership works towards.",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    members = forms.CharField(
        label="Members",
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=(
            "One organisation per line: its address on this platform (or the last part of it), "
            "its role (coordinator, partner or associate; partner if left out) and optionally "
            "the date it joined, e.g. <code>baltic-wind-cluster, coordinator, 2024-01-15</code>. "
            "Exactly one coordinator."
        ),
    )

    class Meta:
        model = Partnership
        fields = PARTNERSHIP_FIELDS
        formfield_callback = https_urls
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "thematic_areas": forms.SelectMultiple(attrs={"size": 8}),
            "sectors": forms.SelectMultiple(attrs={"size": 8}),
        }
        labels = {"eu_budget": "EU budget (EUR)", "starts_on": "Starts", "ends_on": "Ends"}

    def __init__(
        self, *args: Any, organisations: QuerySet[Organisation] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organisations = (
            organisations if organisations is not None else Organisation.objects.published()
        )
        call = self.fields["call"]
        call.queryset = Call.objects.select_related("programme")
        call.label_from_instance = lambda c: f"{c.programme.name}: {c.name} ({c.code}, {c.year})"
        if self.instance.pk:
            self.initial["target_countries"] = target_country_codes(self.instance)
            self.initial["members"] = member_lines(self.instance.memberships.all())
            self.current_members = {
                (m.organisation_id, m.role, m.joined_on) for m in self.instance.memberships.all()
            }
        else:
            self.current_members = set()

    def clean_target_countries(self) -> str:
        return ",".join(self.cleaned_data["target_countries"])

    def clean_members(self) -> list[MemberRow]:
        lines = [
            (number, line.strip())
            for number, line in enumerate(self.cleaned_data["members"].splitlines(), start=1)
            if line.strip()
        ]
        if len(lines) > MAX_MEMBER_LINES:
            raise ValidationError(f"List at most {MAX_MEMBER_LINES} members.")
        errors: list[str] = []
        parsed: list[tuple[int, str, str, date | None]] = []
        for number, line in lines:
            try:
                parsed.append((number, *_parse_line(number, line)))
            except ValidationError as error:
                errors.extend(error.messages)
        found = self._organisations({slug for _n, slug, _r, _j in parsed})
        rows: list[MemberRow] = []
        first_line: dict[int, int] = {}
        for number, slug, role, joined in parsed:
            org = found.get(slug)
            if org is None:
                errors.append(
                    f"Line {number}: no organisation you can see has the address “{slug}”."
                )
                continue
            if org.pk in first_line:
                errors.append(
                    f"Line {number}: {org.name} is already listed on line {first_line[org.pk]}."
                )
                continue
            first_line[org.pk] = number
            rows.append((org, role, joined))
        coordinators = [n for n, _s, role, _j in parsed if role == Role.COORDINATOR]
        if not errors and len(coordinators) != 1:
            if coordinators:
                where = ", ".join(str(n) for n in coordinators)
                errors.append(f"Exactly one member coordinates: lines {where} all say coordinator.")
            else:
                errors.append("Exactly one member coordinates: give one line the role coordinator.")
        if errors:
            raise ValidationError(errors)
        return rows

    def _organisations(self, slugs: set[str]) -> dict[str, Organisation]:
        """Organisations the user may see, or that are already members (one query)."""
        if not slugs:
            return {}
        qs = Organisation.objects.filter(slug__in=slugs)
        visible = Q(pk__in=self.organisations.values("pk"))
        if self.instance.pk:
            visible |= Q(partnership_memberships__partnership=self.instance)
        return {org.slug: org for org in qs.filter(visible).distinct()}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "A partnership ends after it starts.")
        programme, call = data.get("programme"), data.get("call")
        if programme and call and call.programme_id != programme.pk:
            self.add_error("call", f"This call belongs to {call.programme.name}.")
        return data

    def service_fields(self) -> dict[str, Any]:
        """The partnership's own fields, as ``create_partnership`` / ``update_partnership``
        take them."""
        return {name: self.cleaned_data[name] for name in PARTNERSHIP_FIELDS}

    def members_changed(self) -> bool:
        rows = self.cleaned_data["members"]
        return {(org.pk, role, joined) for org, role, joined in rows} != self.current_members
