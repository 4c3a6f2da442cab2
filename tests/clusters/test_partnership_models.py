"""Database rules of partnerships and impact reports."""

import pytest


@pytest.mark.django_db
def test_report_periods_cannot_overlap_on_postgresql():
    """The exclusion constraint of migration 0007 (services check overlaps on every database)."""
    from datetime import date

    from django.db import IntegrityError, connection, transaction

    from clusters.models import ImpactReport, Partnership

    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints need PostgreSQL; CI runs this on PostgreSQL")
    partnership = Partnership.objects.create(name="P", slug="p", type="escp_4i")
    ImpactReport.objects.create(
        partnership=partnership, period_start=date(2024, 1, 1), period_end=date(2024, 6, 30)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ImpactReport.objects.create(
            partnership=partnership, period_start=date(2024, 6, 30), period_end=date(2024, 12, 31)
        )
    ImpactReport.objects.create(
        partnership=partnership, period_start=date(2024, 7, 1), period_end=date(2024, 12, 31)
    )
    assert partnership.impact_reports.count() == 2
