"""Organisers' figures: the dashboard of one event, meeting outcomes and cooperation cases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clusters.models import Sector
from events import stats
from events.models import MarketplaceItem, MeetingRating, MeetingRequest

from ..factories import make_event, make_participant

pytestmark = pytest.mark.django_db

RS = MeetingRequest.Status
AFTER, SIX = MeetingRating.Round.AFTER_EVENT, MeetingRating.Round.SIX_MONTHS


def meeting(event, a, b, status=RS.ACCEPTED) -> MeetingRequest:
    return MeetingRequest.objects.create(event=event, sender=a, receiver=b, status=status)


def rate(request, registration, round_=AFTER, outcome="none", took_place=True) -> None:
    MeetingRating.objects.create(
        request=request,
        registration=registration,
        round=round_,
        took_place=took_place,
        outcome=outcome,
    )


@pytest.fixture
def event():
    """A hand-built event: 3 approved (2 DE SMEs, 1 FR cluster), 1 pending (IT investor),
    1 rejected, 1 cancelled; requests in every status; marketplace items."""
    event = make_event()
    automotive = Sector.objects.get(code="automotive")
    a = make_participant(event, country="DE")
    b = make_participant(event, country="DE")
    c = make_participant(event, kind="cluster", country="FR")
    d = make_participant(event, status="pending", kind="investor", country="IT")
    make_participant(event, status="rejected", country="ES")
    make_participant(event, status="cancelled", country="ES")
    a.organisation.sectors.add(automotive)
    c.organisation.sectors.add(automotive)
    meeting(event, a, b)
    meeting(event, a, c)
    meeting(event, b, c, RS.DECLINED)
    meeting(event, c, d, RS.PENDING)
    MeetingRequest.objects.create(event=event, sender=a, receiver=d, status=RS.EXPIRED)
    MeetingRequest.objects.create(event=event, sender=b, receiver=d, status=RS.CANCELLED)
    MarketplaceItem.objects.create(registration=a, kind="offer", title="Laser cutting")
    MarketplaceItem.objects.create(registration=a, kind="request", title="Test lab")
    MarketplaceItem.objects.create(registration=b, kind="offer", title="Sensors")
    MarketplaceItem.objects.create(registration=d, kind="offer", title="Not yet visible")
    return event


def as_dict(bars) -> dict[str, int]:
    return {bar.label: bar.count for bar in bars}


def test_dashboard_figures(event, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        figures = stats.dashboard(event)

    registrations = figures["registrations"]
    assert as_dict(registrations["status"]) == {
        "Pending approval": 1,
        "Approved": 3,
        "Rejected": 1,
        "Cancelled": 1,
    }
    assert figures["registration_total"] == 6
    # Approved and pending only: the rejected and cancelled Spanish ones do not count.
    assert as_dict(registrations["country"]) == {"Germany": 2, "France": 1, "Italy": 1}
    assert as_dict(registrations["kind"]) == {"SME": 2, "Cluster organisation": 1, "Investor": 1}
    assert as_dict(registrations["sector"]) == {"Automotive": 2}
    # Largest first, the widest bar is 100 %.
    assert registrations["country"][0].label == "Germany"
    assert registrations["country"][0].percent == 100
    assert registrations["country"][1].width == "50.0"

    requests = figures["requests"]
    assert requests["sent"] == 6
    assert (requests["pending"], requests["accepted"], requests["declined"]) == (1, 2, 1)
    assert (requests["cancelled"], requests["expired"]) == (1, 1)
    # 2 accepted of 4 decided (accepted, declined, expired); the cancelled one is left out.
    assert requests["acceptance_rate"] == 50.0
    assert [b.label for b in requests["bars"]] == [label for _v, label in RS.choices]
    # The pending investor's item is not visible yet, so it is not counted.
    assert as_dict(figures["marketplace"]) == {"Offer": 2, "Request": 1, "Cooperation": 0}


def test_empty_event_has_no_rate_and_no_bars():
    event = make_event()
    figures = stats.dashboard(event)
    assert figures["requests"]["acceptance_rate"] is None
    assert figures["registrations"]["country"] == []
    assert figures["registration_total"] == 0
    assert figures["registrations"]["status"] == [] and figures["requests"]["bars"] == []


def test_bars_group_the_tail_as_other():
    pairs = [(f"C{i:02d}", 20 - i) for i in range(15)]
    bars = stats.bars(pairs, limit=5)
    assert [b.label for b in bars] == ["C00", "C01", "C02", "C03", "11 others"]
    assert bars[-1].count == sum(20 - i for i in range(4, 15))
    # The named rows set the scale; the others' row has no bar.
    assert bars[0].percent == 100 and bars[-1].percent is None and bars[-1].width == "0.0"


def rated_event():
    """Four accepted meetings of a finished event, rated in both rounds."""
    event = make_event(status="finished")
    a, b, c, d = (make_participant(event) for _ in range(4))
    m1, m2, m3, m4 = (
        meeting(event, a, b),
        meeting(event, a, c),
        meeting(event, b, c),
        meeting(event, c, d),
    )
    meeting(event, a, d, RS.DECLINED)
    # m1: both rate it an agreement; six months on one says it became an MoU.
    rate(m1, a, outcome="agreement")
    rate(m1, b, outcome="agreement")
    rate(m1, a, SIX, outcome="mou")
    # m2: an agreement after the event, withdrawn six months on by the same participant.
    rate(m2, a, outcome="agreement")
    rate(m2, a, SIX, outcome="none")
    # m3: one says follow-up, the other says it did not take place.
    rate(m3, b, outcome="follow_up")
    rate(m3, c, took_place=False)
    # m4: did not take place at all; d rates an agreement only at six months.
    rate(m4, c, took_place=False)
    rate(m4, d, SIX, outcome="agreement")
    return event, (m1, m2, m3, m4)


def test_outcome_figures_per_round():
    event, _meetings = rated_event()
    figures = stats.outcome_figures(event)
    assert figures["meetings"] == 4
    after, six = figures["rounds"]
    assert after["round"] == AFTER and six["round"] == SIX
    assert after["rated"] == 4
    assert after["took_place"] == 3  # m1, m2 and m3 (one of two said yes)
    assert after["took_place_percent"] == 75.0
    assert after["outcomes"] == {"follow_up": 1, "agreement": 2, "mou": 0}
    assert six["rated"] == 3
    assert six["outcomes"] == {"follow_up": 0, "agreement": 1, "mou": 1}


def test_cooperation_cases_latest_round_wins_either_participant():
    event, _meetings = rated_event()
    # m1 -> MoU (a's six-month word beats b's agreement), m2 -> none (a's latest word),
    # m4 -> agreement (d's only rating); m3 had no cooperation.
    assert stats.cooperation_cases([event.pk]) == {"agreements": 1, "mous": 1, "total": 2}
    other = make_event(status="finished")
    x, y = make_participant(other), make_participant(other)
    rate(meeting(other, x, y), y, outcome="mou")
    assert stats.cooperation_cases([event.pk, other.pk]) == {"agreements": 1, "mous": 2, "total": 3}
    assert stats.cooperation_cases([]) == {"agreements": 0, "mous": 0, "total": 0}


def test_cooperation_cases_ignore_meetings_no_longer_accepted():
    event, (m1, *_rest) = rated_event()
    MeetingRequest.objects.filter(pk=m1.pk).update(status=RS.CANCELLED)
    assert stats.cooperation_cases([event.pk])["mous"] == 0


def test_ratings_written_by_the_service_are_counted():
    from events import services

    event = make_event(status="finished")
    a, b = make_participant(event), make_participant(event)
    request = meeting(event, a, b)
    after = event.ends_at + timedelta(days=1)
    services.rate_meeting(
        user=a.person, request=request, round=AFTER, took_place=True, outcome="mou", now=after
    )
    assert stats.cooperation_cases([event.pk]) == {"agreements": 0, "mous": 1, "total": 1}
