"""Programmes and partnerships over the API (impact reports: report_serializers.py).

A partnership's representation is built from the export's column definition
(``clusters.exports.columns``): every key of PARTNERSHIP_COLUMNS, with the value its CSV or
XLSX cell holds, so the API and the files cannot drift. Dates are ISO 8601 and decimals are
written out in full, as in the CSV file; lists are the same ``;``-joined codes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Model, Q
from django_countries.serializer_fields import CountryField
from drf_spectacular.drainage import set_override
from rest_framework import serializers

from ..exports.columns import MEMBER_COLUMNS, PARTNERSHIP_COLUMNS, Column
from ..models import (
    Call,
    Organisation,
    OrganisationKind,
    PartnershipMember,
    PartnershipPhase,
    PartnershipStatus,
    PartnershipType,
    Programme,
    Sector,
    ThematicArea,
)
from ..partnerships.selectors import members_in_order
from ..partnerships.services import MemberRow

Role = PartnershipMember.Role
# The membership columns that name the partnership: implied by the nesting.
PARTNERSHIP_KEYS = frozenset({"partnership", "partnership_name"})
MEMBER_ROW_COLUMNS = tuple(c for c in MEMBER_COLUMNS if c.key not in PARTNERSHIP_KEYS)
MAX_MEMBERS = 500
JOINED = "Codes joined with `;`."


def json_value(value: Any) -> Any:
    """A cell as JSON: dates ISO 8601, decimals in full (never ``1E+6``), as in the CSV."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    return value


# What each column holds, for the schema (the value itself always comes from the column).
COLUMN_SCHEMA: dict[str, serializers.Field] = {
    "type": serializers.ChoiceField(choices=PartnershipType.choices),
    "phase": serializers.ChoiceField(choices=PartnershipPhase.choices, allow_blank=True),
    "status": serializers.ChoiceField(choices=PartnershipStatus.choices),
    "call_year": serializers.IntegerField(allow_null=True),
    "member_count": serializers.IntegerField(),
    "starts_on": serializers.DateField(allow_null=True),
    "ends_on": serializers.DateField(allow_null=True),
    "joined_on": serializers.DateField(allow_null=True),
    "eu_budget": serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True),
    "country": CountryField(),
    "kind": serializers.ChoiceField(choices=OrganisationKind.choices),
    "role": serializers.ChoiceField(choices=Role.choices),
}
# Enums named here rather than by drf-spectacular: a partnership's status has the values and
# labels of an organisation's, and would otherwise rename OrganisationStatusEnum.
COLUMN_COMPONENTS = {"status": "PartnershipStatusEnum"}
COLUMN_HELP = {
    "slug": "The partnership's identifier (its address).",
    "programme": "The programme's code.",
    "call": "The call's code (unique within its programme).",
    "coordinator": "The coordinating organisation's slug.",
    "member_countries": "ISO codes of the members' countries, joined with `;`.",
    "target_countries": "ISO codes of the third countries targeted, joined with `;`.",
    "thematic_areas": JOINED,
    "sectors": JOINED,
    "organisation": "The organisation's slug.",
}


class ColumnField(serializers.Field):
    """One export column, read-only: the value of its cell in the CSV file, as JSON."""

    def __init__(self, column: Column, **kwargs: Any) -> None:
        self.column = column
        kwargs.update(source="*", read_only=True)
        kwargs.setdefault("help_text", COLUMN_HELP.get(column.key, column.label))
        super().__init__(**kwargs)
        # The schema's type for this column (its value is produced by the column alone).
        set_override(self, "field", COLUMN_SCHEMA.get(column.key, serializers.CharField()))
        if column.key in COLUMN_COMPONENTS:
            set_override(self, "field_component_name", COLUMN_COMPONENTS[column.key])

    def to_representation(self, value: Any) -> Any:
        return json_value(self.column.value(value))


def column_fields(columns: Iterable[Column]) -> dict[str, ColumnField]:
    return {column.key: ColumnField(column) for column in columns}


# --------------------------------------------------------------------------------------
# Programmes
# --------------------------------------------------------------------------------------


class CallSerializer(serializers.ModelSerializer):
    class Meta:
        model = Call
        fields = ["id", "code", "name", "year"]


class ProgrammeSerializer(serializers.ModelSerializer):
    """A funding programme with its calls (filter partnerships with ``?call=<id>``)."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:programme-detail", lookup_field="code"
    )
    calls = CallSerializer(many=True, read_only=True)

    class Meta:
        model = Programme
        fields = ["code", "url", "name", "description", "website", "calls"]


# --------------------------------------------------------------------------------------
# Partnerships: read
# --------------------------------------------------------------------------------------

MemberSerializer = type(
    "PartnershipMemberSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "A member, with the keys of the members export (its partnership aside).",
        "__module__": __name__,
        **column_fields(MEMBER_ROW_COLUMNS),
    },
)


class MembersField(serializers.ListField):
    """Coordinator first, then partners and associated partners, each by name (prefetched)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=MemberSerializer(), read_only=True, source="memberships", **kwargs)

    def to_representation(self, data) -> list[dict[str, Any]]:
        return [self.child.to_representation(m) for m in members_in_order(data.all())]


PartnershipSerializer = type(
    "PartnershipSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "Every column of the partnerships export, plus ``id``, ``url``, "
        "``description`` and the members (the members export's columns).",
        "__module__": __name__,
        # Fields keep the order they are made in: id and url, the columns, then the rest.
        "id": serializers.IntegerField(read_only=True),
        "url": serializers.HyperlinkedIdentityField(
            view_name="api:partnership-detail", lookup_field="slug"
        ),
        **column_fields(PARTNERSHIP_COLUMNS),
        "description": serializers.CharField(read_only=True),
        "members": MembersField(),
    },
)


# --------------------------------------------------------------------------------------
# Partnerships: write
# --------------------------------------------------------------------------------------


class CodeListField(serializers.ListField):
    """Codes as a list, or as the ``;``-joined text a GET returns (so it can be sent back)."""

    def to_internal_value(self, data: Any) -> list[Any]:
        if isinstance(data, str):
            data = [part.strip() for part in re.split(r"[;,]", data) if part.strip()]
        return super().to_internal_value(data)


def _terms(model: type[Model], codes: list[str]) -> list[Model]:
    """Taxonomy terms by code, in one query; unknown codes are named."""
    found = {term.code: term for term in model.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise serializers.ValidationError(f"Unknown codes: {', '.join(unknown)}.")
    return [found[code] for code in dict.fromkeys(codes)]


class MemberInputSerializer(serializers.Serializer):
    organisation = serializers.CharField(max_length=220, help_text="The organisation's slug.")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.PARTNER)
    joined_on = serializers.DateField(allow_null=True, required=False)


class PartnershipWriteSerializer(serializers.Serializer):
    """A partnership's own fields and, optionally, its whole member list (exactly one
    coordinator), checked by the same rules as the pages; a PATCH leaves out what it does not
    change."""

    name = serializers.CharField(max_length=200)
    acronym = serializers.CharField(max_length=40, allow_blank=True, required=False)
    type = serializers.ChoiceField(choices=PartnershipType.choices)
    programme = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Programme.objects.all(),
        allow_null=True,
        required=False,
        help_text="The programme's code.",
    )
    call = serializers.CharField(
        max_length=60,
        allow_blank=True,
        allow_null=True,
        required=False,
        help_text="The call's code, within the programme (which it sets when left out).",
    )
    phase = serializers.ChoiceField(
        choices=PartnershipPhase.choices, allow_blank=True, required=False
    )
    starts_on = serializers.DateField(allow_null=True, required=False)
    ends_on = serializers.DateField(allow_null=True, required=False)
    eu_budget = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True, required=False
    )
    website = serializers.URLField(max_length=200, allow_blank=True, required=False)
    description = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    target_countries = CodeListField(
        child=CountryField(),
        required=False,
        max_length=60,
        help_text="ISO codes of third countries (a list, or joined with `;`).",
    )
    thematic_areas = CodeListField(
        child=serializers.CharField(max_length=80), required=False, max_length=100
    )
    sectors = CodeListField(
        child=serializers.CharField(max_length=80), required=False, max_length=100
    )
    members = MemberInputSerializer(
        many=True,
        required=False,
        max_length=MAX_MEMBERS,
        help_text="Replaces the member list; exactly one member has the role coordinator.",
    )

    def validate_target_countries(self, value: list[str]) -> str:
        return ",".join(dict.fromkeys(str(code).upper() for code in value))

    def validate_thematic_areas(self, value: list[str]) -> list[ThematicArea]:
        return _terms(ThematicArea, value)

    def validate_sectors(self, value: list[str]) -> list[Sector]:
        return _terms(Sector, value)

    def validate_members(self, rows: list[dict[str, Any]]) -> list[MemberRow]:
        """Organisations the user may see (or already members), found in one query; an
        unknown one is named at its position in the list."""
        slugs = {row["organisation"] for row in rows}
        visible = Q(pk__in=self.context["organisations"].values("pk"))
        if self.instance is not None:
            visible |= Q(partnership_memberships__partnership=self.instance)
        found = {
            org.slug: org
            for org in Organisation.objects.filter(slug__in=slugs).filter(visible).distinct()
        }
        errors = [
            {}
            if row["organisation"] in found
            else {
                "organisation": [
                    f"No organisation you can see has the slug “{row['organisation']}”."
                ]
            }
            for row in rows
        ]
        if any(errors):
            raise serializers.ValidationError(errors)
        return [(found[r["organisation"]], r["role"], r.get("joined_on")) for r in rows]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "call" in attrs:
            attrs["call"] = self._call(attrs)
        return attrs

    def _call(self, attrs: dict[str, Any]) -> Call | None:
        """The call by its code within the programme given (or the partnership's)."""
        code = (attrs["call"] or "").strip()
        if not code:
            return None
        if "programme" in attrs:
            programme = attrs["programme"]
        else:
            programme = self.instance.programme if self.instance is not None else None
        calls = Call.objects.filter(code__iexact=code).select_related("programme")
        if programme is not None:
            call = calls.filter(programme=programme).first()
            if call is None:
                raise serializers.ValidationError(
                    {"call": f"The programme {programme.code} has no call “{code}”."}
                )
            return call
        found = list(calls[:2])
        if len(found) != 1:
            raise serializers.ValidationError(
                {"call": f"Give the programme of the call “{code}”." if found else "No such call."}
            )
        return found[0]

    def service_arguments(self) -> tuple[dict[str, Any], list[MemberRow] | None]:
        """(fields for create/update_partnership, member rows for set_members or None)."""
        fields = dict(self.validated_data)
        return fields, fields.pop("members", None)


class PublishSerializer(serializers.Serializer):
    publish = serializers.BooleanField(
        default=True, help_text="True publishes; false takes the partnership back to draft."
    )
