"""The data migration loads every reference CSV completely and links NUTS parents."""

from __future__ import annotations

import pytest
from django.apps import apps
from django_countries import countries

from clusters import reference_data
from clusters.models import Region, Sector

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model_name", "filename"), [*reference_data.TAXONOMY_FILES.items(), ("Region", "regions.csv")]
)
def test_row_counts_equal_csv_rows(model_name, filename):
    rows = reference_data.read_csv(filename)
    assert apps.get_model("clusters", model_name).objects.count() == len(rows)
    codes = {r["code"] for r in rows}
    assert set(apps.get_model("clusters", model_name).objects.values_list("code", flat=True)) == (
        codes
    )


def test_region_levels_and_parents():
    rows = reference_data.read_csv("regions.csv")
    for level in range(4):
        expected = sum(1 for r in rows if r["level"] == str(level))
        assert Region.objects.filter(level=level).count() == expected
    assert not Region.objects.filter(level=0, parent__isnull=False).exists()
    assert not Region.objects.filter(level__gt=0, parent__isnull=True).exists()
    vilnius = Region.objects.get(code="LT011")
    assert vilnius.parent.code == "LT01"
    assert vilnius.parent.parent.code == "LT0"
    assert vilnius.parent.parent.parent.code == "LT"


def test_every_listed_country_is_known_to_django_countries():
    known = dict(countries)
    for row in reference_data.read_csv("countries.csv"):
        assert row["code"] in known, row


def test_loader_is_idempotent():
    before = (Sector.objects.count(), Region.objects.count())
    reference_data.load_all(apps)
    assert (Sector.objects.count(), Region.objects.count()) == before


def test_collaboration_types_seeded():
    model = apps.get_model("clusters", "CollaborationType")
    assert model.objects.count() == len(reference_data.COLLABORATION_TYPES)
