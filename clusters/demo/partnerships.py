"""Demo programmes, calls, partnerships and approved impact reports for ``manage.py demo_data``,
shaped so the officer dashboard shows the programmes' own published figures exactly.

The published figures and how they are modelled (``TARGETS``):

* COSME Clusters Go International, call 2014: 15 partnerships, EUR 4.30 M, 98 cluster
  organisations from 23 countries, over 10,000 SMEs reached (10,250 here).
* COSME Clusters Go International, call 2016: 23 partnerships, EUR 5.79 M, 123 cluster
  organisations from 25 countries, 17,000 SMEs reached. These 23 partnerships ARE the
  "ESCP-4i first generation (2016-2017)": they are typed ESCP-4i, start in 2016, and their
  approved reports carry that generation's results: 2,000 SMEs involved (``smes_supported``,
  the SMEs taking part in the activities, a subset of the 17,000 reached), 85 business
  cooperation cases, 370 cluster-to-cluster events, 3,010 B2B meetings, 39 MoUs and 45
  collaboration projects. So the 2016 call's row of ``partnerships.stats.by_call`` shows every
  figure of both publications, and no partnership is counted twice.
* COSME Cluster Excellence Programme, calls 2014 and 2015: 11 projects, EUR 2.47 M, 57 cluster
  organisations (distinct over both calls), over 11,000 SMEs reached (11,200 here).
* Horizon 2020 INNOSUP-1: 13 projects planning to support 994 SMEs (``smes_supported``); its
  budget is not part of the published figures and is left empty.

Figures a publication does not give (e.g. the 2014 call's B2B meetings) get plausible values.
Members are cluster organisations of the demo set; where it has too few clusters in the
chosen countries, extra demo clusters are made with the same name generator. Call codes
follow the real ones' style; names, acronyms and people are made up.

Everything is drawn from ``random.Random`` seeded with the demo seed and stored by natural
key (programmes by code, calls by programme and code, partnerships by slug, members by
partnership and organisation, reports by partnership and period start) with bulk inserts:
a second run creates nothing. Rows that exist are left as they are.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.utils.text import slugify

from ..models import (
    OrganisationKind,
    OrganisationStatus,
    PartnershipPhase,
    PartnershipType,
)
from .generate import DemoData, Reference
from .names import NameMaker, ascii_fold, make_acronym, title_case
from .vocabulary import (
    COORDINATES,
    DIAL_CODES,
    EPOCH,
    FIRST_NAMES,
    LAST_NAMES,
    THEMES,
    THIRD_COUNTRIES,
)

PROGRAMMES = {
    "cosme-clusters-go-international": (
        "COSME Clusters Go International",
        "European Strategic Cluster Partnerships for going international (ESCP-4i).",
    ),
    "cosme-cluster-excellence": (
        "COSME Cluster Excellence Programme",
        "Improving the excellence of cluster organisations' management.",
    ),
    "h2020-innosup-1": (
        "Horizon 2020 INNOSUP-1",
        "Cluster facilitated projects for new industrial value chains.",
    ),
}
# Third-country markets the ESCP-4i partnerships target: name for titles, ISO code.
MARKETS = (
    ("Japan", "JP"), ("Canada", "CA"), ("Brazil", "BR"), ("Mexico", "MX"), ("India", "IN"),
    ("China", "CN"), ("South Korea", "KR"), ("the USA", "US"), ("Singapore", "SG"),
    ("Vietnam", "VN"), ("Chile", "CL"), ("South Africa", "ZA"), ("Australia", "AU"),
)  # fmt: skip
PATTERNS = {
    PartnershipType.ESCP_4I: (
        "{field} Clusters Going to {market}",
        "{field} Alliance for {market}",
    ),
    PartnershipType.CLUSTER_EXCELLENCE: ("{field} Cluster Excellence Network",),
    PartnershipType.OTHER: ("{field} Value Chains Across Europe", "{field} Innovation Bridge"),
}
# Per partnership, figures a publication leaves open: (low, high) per report year.
OPEN_FIGURES = {
    "smes_supported": (20, 90),
    "b2b_meetings": (30, 140),
    "c2c_events": (3, 12),
    "mous": (0, 3),
    "collaboration_projects": (0, 3),
    "cooperation_cases": (0, 5),
}


@dataclass(frozen=True)
class Target:
    """One set of published totals, over the partnerships of ``calls``."""

    programme: str
    calls: tuple[tuple[str, str, int, int], ...]  # code, name, year, partnerships
    type: str
    clusters: int
    countries: int
    budget_k: int | None  # EU budget in thousands of euro
    figures: dict[str, int]  # published report totals
    first_start: date
    months: int = 24


TARGETS = (
    Target(
        "cosme-clusters-go-international",
        (("COS-CLUSINT-2014-3-01", "Clusters Go International 2014", 2014, 15),),
        PartnershipType.ESCP_4I, 98, 23, 4300, {"smes_reached": 10250}, date(2015, 1, 1),
    ),
    Target(
        "cosme-clusters-go-international",
        (("COS-CLUSINT-2016-03-01", "Clusters Go International 2016", 2016, 23),),
        PartnershipType.ESCP_4I, 123, 25, 5790,
        {"smes_reached": 17000, "smes_supported": 2000, "cooperation_cases": 85,
         "c2c_events": 370, "b2b_meetings": 3010, "mous": 39, "collaboration_projects": 45},
        date(2016, 1, 1),
    ),
    Target(
        "cosme-cluster-excellence",
        (("COS-CLUSTER-2014-3-03", "Cluster Excellence Programme 2014", 2014, 6),
         ("COS-CLUSTER-2015-3-02", "Cluster Excellence Programme 2015", 2015, 5)),
        PartnershipType.CLUSTER_EXCELLENCE, 57, 19, 2470, {"smes_reached": 11200},
        date(2015, 1, 1),
    ),
    Target(
        "h2020-innosup-1",
        (("H2020-INNOSUP-2015-1", "INNOSUP-1: Cluster facilitated projects", 2015, 13),),
        PartnershipType.OTHER, 52, 17, None, {"smes_supported": 994, "smes_reached": 2485},
        date(2016, 1, 1), 30,
    ),
)  # fmt: skip


@dataclass
class Plan:
    """What ``build_partnerships`` decided; ``load_demo_partnerships`` stores it."""

    clusters: list[dict] = field(default_factory=list)  # extra cluster organisations
    sectors: dict[str, tuple[str, ...]] = field(default_factory=dict)  # their sector codes
    partnerships: list[dict] = field(default_factory=list)


def split(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """``total`` in parts proportional to ``weights`` (each at least ``minimum``), summing
    exactly to ``total``: largest remainders take what rounding down left over."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError(f"{total} cannot give {len(weights)} parts of at least {minimum}.")
    exact = [spare * w / sum(weights) for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: spare - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def build_partnerships(data: DemoData, seed: int, ref: Reference) -> Plan:
    """Pure: the same demo data, seed and reference data give the same plan."""
    rng = random.Random(f"partnerships-{seed}")
    names = NameMaker(rng, {o.slug for o in data.organisations})
    countries = [c for c in ref.countries if c not in THIRD_COUNTRIES]
    pool: dict[str, list[str]] = {c: [] for c in countries}  # country -> cluster slugs
    for org in data.organisations:
        f = org.fields
        if (
            f["kind"] == OrganisationKind.CLUSTER
            and f["country"] in pool
            and f["status"] == OrganisationStatus.PUBLISHED
        ):
            pool[f["country"]].append(org.slug)
    plan = Plan()
    acronyms: set[str] = set()
    for target in TARGETS:
        members = _choose_members(rng, target, pool, names, plan, ref.regions)
        n = sum(c[3] for c in target.calls)
        weights = [rng.uniform(0.6, 1.6) for _ in range(n)]
        sizes = split(target.clusters, weights, minimum=3)
        budgets = split(target.budget_k, weights) if target.budget_k else [None] * n
        figures = {k: split(v, weights) for k, v in target.figures.items()}
        calls = [(code, year) for code, _name, year, count in target.calls for _ in range(count)]
        start = 0
        for i, (call, year) in enumerate(calls):
            group = members[start : start + sizes[i]]
            start += sizes[i]
            own = {k: v[i] for k, v in figures.items()}
            plan.partnerships.append(
                _partnership(rng, target, call, year, group, budgets[i], own, acronyms)
            )
    return plan


def _choose_members(rng, target: Target, pool, names: NameMaker, plan: Plan, regions) -> list[str]:
    """``target.clusters`` distinct clusters from exactly ``target.countries`` countries,
    shuffled; extra demo clusters where the pool has too few."""
    ranked = sorted(pool, key=lambda c: (-len(pool[c]) - rng.random() * 3, c))
    chosen = sorted(ranked[: target.countries])
    for country in chosen:
        if not pool[country]:
            pool[country].append(_extra_cluster(rng, country, names, plan, regions))
    picked = [rng.choice(pool[c]) for c in chosen]
    rest = sorted({s for c in chosen for s in pool[c]} - set(picked))
    while len(rest) < target.clusters - len(picked):
        country = chosen[len(plan.clusters) % len(chosen)]
        slug = _extra_cluster(rng, country, names, plan, regions)
        pool[country].append(slug)
        rest.append(slug)
    members = picked + rng.sample(rest, target.clusters - len(picked))
    rng.shuffle(members)
    return members


def _extra_cluster(rng, country: str, names: NameMaker, plan: Plan, regions_of) -> str:
    theme = rng.choice(THEMES)
    town = names.town(country)
    name, slug = names.name(OrganisationKind.CLUSTER, country, theme, town)
    published = datetime.combine(EPOCH - timedelta(days=rng.randint(400, 900)), time(9), UTC)
    lat, lon, spread = COORDINATES.get(country, (50.0, 10.0, 1.0))
    regions = regions_of.get(country)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    plan.sectors[slug] = theme.sectors
    plan.clusters.append(
        {
            "slug": slug,
            "name": name,
            "acronym": make_acronym(name),
            "kind": OrganisationKind.CLUSTER,
            "status": OrganisationStatus.PUBLISHED,
            "country": country,
            "city": town,
            "region_id": rng.choice(regions) if regions else None,
            "latitude": Decimal(str(round(lat + rng.uniform(-spread, spread), 5))),
            "longitude": Decimal(str(round(lon + rng.uniform(-spread, spread) * 1.5, 5))),
            "website": f"https://{slug}.example.org",
            "website_in_english": True,
            "founded_year": rng.randint(1995, 2012),
            "member_count": rng.randint(30, 300),
            "staff_fte": Decimal(rng.randint(10, 90)) / 10,
            "target_countries": [rng.choice(MARKETS)[1]],
            "contact_name": f"{first} {last}",
            "contact_email": f"{ascii_fold(first)}.{ascii_fold(last)}@{slug}.example.org",
            "contact_phone": f"+{DIAL_CODES.get(country, '00')} {rng.randint(10, 99)} "
            f"{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            "description": f"A cluster organisation for {theme.field} in {town}. "
            "It takes its members to new markets through European strategic cluster "
            "partnerships.",
            "published_at": published,
        }
    )
    return slug


def _partnership(rng, target, call, year, members, budget_k, own, acronyms) -> dict:
    theme = rng.choice(THEMES)
    market, market_code = rng.choice(MARKETS)
    pattern = rng.choice(PATTERNS[target.type])
    name = pattern.format(field=title_case(theme.field), market=market)
    acronym = make_acronym(name) or theme.key.upper()[:6]
    base, n = acronym, 2
    while acronym in acronyms:
        acronym, n = f"{base}{n}", n + 1
    acronyms.add(acronym)
    starts = target.first_start + timedelta(days=rng.randint(0, 5) * 30)
    starts = starts.replace(day=1)
    ends = _add_months(starts, target.months) - timedelta(days=1)
    middle = _add_months(starts, 12)
    reports = []
    share = rng.uniform(0.35, 0.5)
    for figure, (low, high) in OPEN_FIGURES.items():
        if figure not in own:
            own[figure] = rng.randint(low, high) + rng.randint(low, high)
    first = {k: int(v * share) for k, v in own.items()}
    reports.append((starts, middle - timedelta(days=1), first))
    reports.append((middle, ends, {k: v - first[k] for k, v in own.items()}))
    for _start, _end, figures in reports:
        assert figures["smes_supported"] <= figures["smes_reached"], (name, figures)
    return {
        "slug": slugify(f"demo-{year}-{acronym}"),
        "name": name,
        "acronym": acronym,
        "type": target.type,
        "programme": target.programme,
        "call": call,
        "phase": PartnershipPhase.IMPLEMENTATION,
        "starts_on": starts,
        "ends_on": ends,
        "eu_budget": None if budget_k is None else Decimal(budget_k * 1000),
        "target_countries": market_code if target.type == PartnershipType.ESCP_4I else "",
        "description": f"Clusters from {len(members)} organisations working together on "
        f"{theme.field}.",
        "members": members,
        "reports": reports,
    }


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=1)
