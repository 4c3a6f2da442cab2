"""From a cell's text to the value a service takes, or a ``CellError`` saying what is wrong.

Model fields do the checking (length, range, format), so an import accepts exactly what the
forms and the API accept; codes are looked up in vocabularies loaded once per validation.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import models
from django_countries import countries

from ..models import (
    Call,
    IndustrialEcosystem,
    Programme,
    Region,
    Sector,
    Technology,
    ThematicArea,
)

LIST_SEPARATORS = re.compile(r"[;,]")
TAXONOMIES: dict[str, type[models.Model]] = {
    "sectors": Sector,
    "ecosystems": IndustrialEcosystem,
    "technologies": Technology,
    "thematic_areas": ThematicArea,
}


class CellError(ValueError):
    """A bad value; the message is shown next to its row and column."""


def _quoted(values: list[str]) -> str:
    return ", ".join(f"“{v}”" for v in values)


def split_list(text: str) -> list[str]:
    return [part.strip() for part in LIST_SEPARATORS.split(text) if part.strip()]


def scalar(model: type[models.Model], name: str, text: str) -> Any:
    """A plain field's value, checked by the model field itself."""
    field = model._meta.get_field(name)
    if field.choices:
        return choice(field, text)
    value: Any = text
    if text == "":
        value = None if field.null else ""
    elif isinstance(field, models.URLField) and "://" not in text:
        value = f"https://{text}"  # as the forms read a bare domain
    try:
        return field.clean(value, None)
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from None


def choice(field: models.Field, text: str) -> str:
    """A choice by its value or its label, in any letter case."""
    wanted = text.strip().casefold()
    if not wanted:
        if field.blank:
            return ""
        raise CellError("This cell cannot be blank.")
    for value, label in field.choices:
        if wanted in (str(value).casefold(), str(label).casefold()):
            return value
    options = ", ".join(str(v) for v, _label in field.choices if v != "")
    raise CellError(f"Unknown {field.name} “{text}”: use one of {options}.")


def country(text: str) -> str:
    code = text.strip().upper()
    if not code:
        raise CellError("Give the country as a two-letter ISO code, e.g. DE.")
    if len(code) != 2 or not countries.name(code):
        raise CellError(f"Unknown country code “{text}”: use two-letter ISO codes, e.g. DE.")
    return code


def country_list(text: str) -> list[str]:
    """ISO codes, each once, sorted (the order of a list carries no meaning)."""
    codes = [code.upper() for code in split_list(text)]
    bad = [code for code in codes if len(code) != 2 or not countries.name(code)]
    if bad:
        raise CellError(f"Unknown country code{'s' if len(bad) > 1 else ''}: {_quoted(bad)}.")
    return sorted(set(codes))


def slug(text: str, reserved: frozenset[str] = frozenset()) -> str:
    try:
        validate_slug(text)
    except ValidationError:
        raise CellError(
            f"“{text}” is not a valid identifier: use letters, digits, hyphens and underscores."
        ) from None
    if len(text) > 220:
        raise CellError("An identifier has at most 220 characters.")
    if text in reserved:
        raise CellError(f"“{text}” is reserved for a page of the platform; choose another.")
    return text


class Vocabulary:
    """Codes of programmes, calls, regions and taxonomies: loaded once, on first use."""

    def __init__(self) -> None:
        self._taxonomies: dict[str, dict[str, int]] = {}

    def codes(self, column: str, text: str) -> list[int]:
        """Primary keys of the terms named by code; unknown codes name themselves."""
        known = self._taxonomy(column)
        wanted = [code.lower() for code in split_list(text)]
        bad = [code for code in wanted if code not in known]
        if bad:
            raise CellError(
                f"Unknown {column.replace('_', ' ')} code{'s' if len(bad) > 1 else ''}: "
                f"{_quoted(bad)}."
            )
        return sorted({known[code] for code in wanted})

    def _taxonomy(self, column: str) -> dict[str, int]:
        if column not in self._taxonomies:
            terms = TAXONOMIES[column].objects.values_list("code", "pk")
            self._taxonomies[column] = dict(terms)
        return self._taxonomies[column]

    @cached_property
    def regions(self) -> dict[str, Region]:
        return {r.code: r for r in Region.objects.only("pk", "code", "name", "country")}

    @cached_property
    def regions_by_pk(self) -> dict[int, Region]:
        return {r.pk: r for r in self.regions.values()}

    def region_of(self, obj: Any) -> Region | None:
        """An object's region without a query (None for none)."""
        return self.regions_by_pk.get(obj.region_id) if obj is not None else None

    def region(self, text: str) -> Region | None:
        if not text:
            return None
        region = self.regions.get(text.strip().upper())
        if region is None:
            raise CellError(f"Unknown NUTS region code “{text}”.")
        return region

    @cached_property
    def programmes(self) -> dict[str, Programme]:
        return {p.code.lower(): p for p in Programme.objects.all()}

    @cached_property
    def calls(self) -> dict[tuple[int, str], Call]:
        return {(c.programme_id, c.code.upper()): c for c in Call.objects.all()}

    @cached_property
    def calls_by_pk(self) -> dict[int, Call]:
        return {c.pk: c for c in self.calls.values()}

    def programme(self, text: str) -> Programme | None:
        if not text:
            return None
        programme = self.programmes.get(text.strip().lower())
        if programme is None:
            raise CellError(f"Unknown programme code “{text}” (programmes are not created here).")
        return programme

    def call(self, text: str, programme: Programme | None) -> Call | None:
        if not text:
            return None
        if programme is None:
            raise CellError("Give the programme of this call in the programme column.")
        call = self.calls.get((programme.pk, text.strip().upper()))
        if call is None:
            raise CellError(f"The programme {programme.code} has no call “{text}”.")
        return call
