"""Pieces every events endpoint shares: service calls whose errors become 400s that name the
field, UTC timestamps with an offset, and the short public view of an organisation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers
from rest_framework.fields import get_error_detail
from rest_framework.settings import api_settings

from ..models import Event

T = TypeVar("T")


def call_service(
    fn: Callable[..., T], /, *, rename: Mapping[str, str] | None = None, **kwargs
) -> T:
    """Run a service; its ``ValidationError({field: message})`` becomes a DRF 400 under the same
    field (``rename`` maps a service's name for a field to the API's). ``PermissionDenied``
    needs nothing: DRF answers it with a 403."""
    try:
        return fn(**kwargs)
    except DjangoValidationError as error:
        detail = get_error_detail(error)
        if isinstance(detail, dict):
            names = {"__all__": api_settings.NON_FIELD_ERRORS_KEY, **(rename or {})}
            detail = {names.get(field, field): messages for field, messages in detail.items()}
        raise serializers.ValidationError(detail) from error


def visible_event(user, pk: Any) -> Event:
    """The event, or a 404 when the user may not see it (a draft: no hint that it exists)."""
    try:
        event = Event.objects.get(pk=pk)
    except (Event.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such event.") from error
    if not user.has_perm("events.view_event", event):
        raise Http404("No such event.")
    return event


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset in, UTC out. A time without an offset is refused: it would mean
    one moment in UTC and another in the event's zone."""

    default_error_messages = {
        "naive": "Give the time with its UTC offset, e.g. 2026-05-04T09:00:00+02:00.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("default_timezone", dt.UTC)
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> dt.datetime:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        return super().to_internal_value(value)


class IsoDurationField(serializers.DurationField):
    """Durations as ISO 8601 (``P3D``, ``PT15M``) out; ISO or ``[DD] [HH:[MM:]]ss`` in."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "iso-8601")
        super().__init__(**kwargs)


class ModelSerializer(serializers.ModelSerializer):
    """Model serializers of this API: every timestamp UTC with an offset, durations ISO 8601."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        **{
            field: AwareDateTimeField
            for field, cls in serializers.ModelSerializer.serializer_field_mapping.items()
            if cls is serializers.DateTimeField
        },
        **{
            field: IsoDurationField
            for field, cls in serializers.ModelSerializer.serializer_field_mapping.items()
            if cls is serializers.DurationField
        },
    }


class OrganisationBriefSerializer(serializers.Serializer):
    """The organisation as other participants see it: public profile essentials, no contacts."""

    id = serializers.IntegerField(read_only=True)
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    acronym = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    country = serializers.CharField(read_only=True)
    city = serializers.CharField(read_only=True)


class TopicNamesField(serializers.ListField):
    """Topics as a list of names in and out; the view turns names into Topic rows."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(child=serializers.CharField(max_length=80), max_length=30, **kwargs)

    def to_representation(self, value) -> list[str]:
        if hasattr(value, "all"):
            return [topic.name for topic in value.all()]
        return super().to_representation(value)
