"""Generation: reference data in, a plain in-memory data set out (pure, seeded)."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ..models import (
    CollaborationType,
    EmergingIndustry,
    IndustrialEcosystem,
    OrganisationStatus,
    Region,
    Sector,
    Technology,
    ThematicArea,
)
from ..reference_data import read_csv
from ..services import RESERVED_SLUGS
from .names import NameMaker, ascii_fold, make_acronym
from .vocabulary import (
    COORDINATES,
    COUNTRY_WEIGHTS,
    DIAL_CODES,
    EPOCH,
    FIRST_NAMES,
    FOUNDED,
    GENERIC_NEEDS,
    GENERIC_TOPICS,
    KIND_SHARES,
    LAST_NAMES,
    MANAGER,
    MEMBER,
    MEMBER_KINDS,
    MIN_ORGS,
    OTHER_KIND_WEIGHTS,
    SIZE_TURNOVER,
    SME_MANAGER,
    TARGET_COUNTRIES,
    THEMES,
    THEMES_BY_KEY,
    THIRD_COUNTRIES,
    Kind,
    Role,
    Theme,
)

# --------------------------------------------------------------------------------------
# Generation (pure: reference data in, plain values out)
# --------------------------------------------------------------------------------------


@dataclass
class Reference:
    """The reference data the generator draws from: codes and names, regions by country."""

    countries: dict[str, str]  # code -> English name, in generation order
    terms: dict[str, dict[str, str]]  # m2m field -> {code: name}, topics excluded
    regions: dict[str, list[int]]  # country -> ids of its level 2 and 3 regions

    @classmethod
    def from_database(cls) -> Reference:
        rows = read_csv("countries.csv")
        countries = {r["code"]: r["name"] for r in rows if r["group"] in {"eu", "efta"}}
        countries.update({r["code"]: r["name"] for r in rows if r["code"] in THIRD_COUNTRIES})
        models = {
            "sectors": Sector,
            "ecosystems": IndustrialEcosystem,
            "emerging_industries": EmergingIndustry,
            "technologies": Technology,
            "thematic_areas": ThematicArea,
            "collaboration_types": CollaborationType,
        }
        # Sorted in Python: database collations order "a-b" and "ab" differently, and the
        # same seed must give the same data on SQLite and PostgreSQL.
        terms = {
            name: dict(sorted(model.objects.values_list("code", "name")))
            for name, model in models.items()
        }
        regions: dict[str, list[int]] = defaultdict(list)
        for _code, pk, country in sorted(
            Region.objects.filter(level__in=(2, 3), country__in=countries).values_list(
                "code", "pk", "country"
            )
        ):
            regions[country].append(pk)
        return cls(countries=countries, terms=terms, regions=dict(regions))


@dataclass
class OrgSpec:
    slug: str
    fields: dict[str, Any]
    terms: dict[str, list[str]]  # m2m field -> codes; topic fields -> topic names
    theme: str


@dataclass
class DemoData:
    organisations: list[OrgSpec]
    memberships: list[tuple[str, str, date]]  # cluster slug, member slug, joined
    roles: list[tuple[str, str, str]]  # e-mail, organisation slug, role
    verified: list[str] = field(default_factory=list)  # slugs verified by the staff user


def _kind_counts(n: int) -> dict[str, int]:
    counts = {kind: round(n * share) for kind, share in KIND_SHARES.items()}
    rest = n - sum(counts.values())
    others = dict.fromkeys(OTHER_KIND_WEIGHTS, 1)
    spare = rest - len(others)
    total = sum(OTHER_KIND_WEIGHTS.values())
    exact = {k: spare * w / total for k, w in OTHER_KIND_WEIGHTS.items()}
    for kind, value in exact.items():
        others[kind] += int(value)
    # Largest remainders take what rounding down left over.
    left = spare - sum(int(v) for v in exact.values())
    for kind in sorted(exact, key=lambda k: exact[k] - int(exact[k]), reverse=True)[:left]:
        others[kind] += 1
    return {**counts, **others}


def _pick(rng: random.Random, options, low: int, high: int) -> list:
    """low..high distinct items, in the order of ``options`` (stable, readable output)."""
    options = list(options)
    k = min(rng.randint(low, high), len(options))
    chosen = set(rng.sample(range(len(options)), k))
    return [o for i, o in enumerate(options) if i in chosen]


def _sentence_list(items: list[str]) -> str:
    items = [i[0].lower() + i[1:] if not i[:2].isupper() else i for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


KIND_PHRASES = {
    Kind.CLUSTER: "a cluster organisation for {field}",
    Kind.SME: "a {size} company specialised in {field}",
    Kind.LARGE_COMPANY: "an industrial group active in {field}",
    Kind.RTO: "an applied research and technology organisation for {field}",
    Kind.UNIVERSITY: "a university with a strong research profile in {field}",
    Kind.INCUBATOR: "an incubator and accelerator for start-ups in {field}",
    Kind.PUBLIC_AUTHORITY: "the regional innovation agency supporting {field}",
    Kind.INVESTOR: "an early-stage investor backing companies in {field}",
    Kind.OTHER: "a non-profit association promoting {field}",
}
CLOSINGS = {
    Kind.CLUSTER: (
        "It runs joint projects, trade missions and training for its {members} members.",
        "Its {members} members range from start-ups to research centres and large firms.",
    ),
    Kind.SME: (
        "The team turns research results into products for industrial customers.",
        "Its customers are manufacturers across Europe and beyond.",
    ),
    Kind.LARGE_COMPANY: ("It works with suppliers and start-ups on open innovation.",),
    Kind.RTO: ("Companies use its pilot lines and labs for contract research.",),
    Kind.UNIVERSITY: ("Its spin-offs and industrial PhDs link research and business.",),
    Kind.INCUBATOR: ("Its programmes combine coaching, lab space and investor days.",),
    Kind.PUBLIC_AUTHORITY: ("It funds innovation vouchers and cluster programmes.",),
    Kind.INVESTOR: ("It invests in seed and Series A rounds.",),
    Kind.OTHER: ("It organises events and working groups for its members.",),
}
SIZE_WORDS = {"micro": "small", "small": "growing", "medium": "medium-sized"}


def _spread_countries(rng: random.Random, countries: list[str], n: int) -> list[str]:
    """Every country once (shuffled), then weighted by economy size."""
    first = list(countries)
    rng.shuffle(first)
    weights = [COUNTRY_WEIGHTS.get(c, 1) for c in countries]
    rest = rng.choices(countries, weights=weights, k=max(0, n - len(first)))
    return (first + rest)[:n]


def build_demo_data(seed: int, n: int, ref: Reference) -> DemoData:
    """The whole data set for ``seed``: same seed and reference data, same result."""
    if n < MIN_ORGS:
        raise ValueError(f"At least {MIN_ORGS} organisations are needed, not {n}.")
    rng = random.Random(seed)
    kinds = [kind for kind, count in _kind_counts(n).items() for _ in range(count)]
    rng.shuffle(kinds)
    countries = _spread_countries(rng, list(ref.countries), n)
    names = NameMaker(rng, set(RESERVED_SLUGS))
    today = timezone.localdate()

    orgs: list[OrgSpec] = []
    for kind, country in zip(kinds, countries, strict=True):
        theme = rng.choice(THEMES)
        town = names.town(country)
        name, slug = names.name(kind, country, theme, town)
        regions = ref.regions.get(country)
        lat, lon, spread = COORDINATES.get(country, (50.0, 10.0, 1.0))
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        fields: dict[str, Any] = {
            "name": name,
            "acronym": make_acronym(name) if kind not in (Kind.SME, Kind.INVESTOR) else "",
            "kind": kind,
            "status": OrganisationStatus.PUBLISHED,
            "country": country,
            "region_id": rng.choice(regions) if regions else None,
            "city": town,
            "latitude": Decimal(str(round(lat + rng.uniform(-spread, spread), 5))),
            "longitude": Decimal(str(round(lon + rng.uniform(-spread, spread) * 1.5, 5))),
            "website": f"https://{slug}.example.org",
            "website_in_english": rng.random() < 0.85,
            "founded_year": rng.randint(*FOUNDED[kind]),
            "target_countries": sorted(
                _pick(rng, [c for c in TARGET_COUNTRIES if c != country], 0, 3)
            ),
            "member_count": None,
            "staff_fte": None,
            "label": "",
            "label_valid_until": None,
            "size_class": "",
            "turnover_band": "",
            "contact_name": f"{first} {last}",
            "contact_email": f"{ascii_fold(first)}.{ascii_fold(last)}@{slug}.example.org",
            "contact_phone": f"+{DIAL_CODES.get(country, '00')} {rng.randint(10, 99)} "
            f"{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            "verified": False,
            "verified_at": None,
            "verified_by_id": None,
            "published_at": None,
        }
        if kind == Kind.CLUSTER:
            fields["member_count"] = rng.randint(15, 400)
            fields["staff_fte"] = Decimal(rng.randint(5, 120)) / 10
            fields["website_in_english"] = rng.random() < 0.9
            if rng.random() < 0.4:
                fields["label"] = rng.choices(("bronze", "silver", "gold"), (5, 3, 2))[0]
                days = rng.randint(30, 900) if rng.random() < 0.85 else -rng.randint(10, 400)
                fields["label_valid_until"] = today + timedelta(days=days)
        elif kind == Kind.SME:
            size = rng.choices(("micro", "small", "medium"), (4, 4, 2))[0]
            fields["size_class"] = size
            fields["turnover_band"] = rng.choice(SIZE_TURNOVER[size])

        terms = _terms(rng, kind, theme, ref)
        fields["description"] = _description(rng, fields, theme, terms, ref)
        fields["offers"], fields["looks_for"] = _offer_texts(rng, kind, terms)
        orgs.append(OrgSpec(slug=slug, fields=fields, terms=terms, theme=theme.key))

    by_kind: dict[str, list[OrgSpec]] = defaultdict(list)
    for org in orgs:
        by_kind[org.fields["kind"]].append(org)
    first_cluster = by_kind[Kind.CLUSTER][0]
    manager_sme, owner_sme = by_kind[Kind.SME][0], by_kind[Kind.SME][1]
    roles = [
        (MANAGER.email, first_cluster.slug, Role.MANAGER),
        (MANAGER.email, manager_sme.slug, Role.MANAGER),
        (SME_MANAGER.email, owner_sme.slug, Role.MANAGER),
        (MEMBER.email, first_cluster.slug, Role.MEMBER),
    ]
    # The organisations behind demo logins are published, complete and eligible.
    showcase = {first_cluster.slug, manager_sme.slug, owner_sme.slug}
    first_cluster.fields["website_in_english"] = True

    # About 10% drafts, never an organisation behind a demo login.
    candidates = [o for o in orgs if o.slug not in showcase]
    for org in rng.sample(candidates, round(n * 0.1)):
        org.fields["status"] = OrganisationStatus.DRAFT
    published = [o for o in orgs if o.fields["status"] == OrganisationStatus.PUBLISHED]
    for org in published:
        moment = datetime.combine(EPOCH - timedelta(days=rng.randint(1, 700)), time(9), UTC)
        org.fields["published_at"] = moment + timedelta(minutes=rng.randint(0, 480))
    verified = [first_cluster.slug] + [
        o.slug for o in rng.sample(published, max(3, n // 25)) if o.slug != first_cluster.slug
    ]

    memberships = _memberships(rng, by_kind, first_cluster, (manager_sme, owner_sme))
    return DemoData(organisations=orgs, memberships=memberships, roles=roles, verified=verified)


def _terms(rng: random.Random, kind: str, theme: Theme, ref: Reference) -> dict[str, list[str]]:
    def known(name: str, codes) -> list[str]:
        return [c for c in codes if c in ref.terms[name]]

    neighbour_topics = [t for key in theme.neighbours for t in THEMES_BY_KEY[key].topics]
    offers = _pick(rng, theme.topics, 1, 2) + _pick(rng, GENERIC_TOPICS[kind], 0, 2)
    offers = offers[:4]
    needs = [t for t in theme.topics if t not in offers]
    needs = _pick(rng, needs, 0, 1) + _pick(rng, neighbour_topics, 0, 2)
    needs += _pick(rng, GENERIC_NEEDS[kind], 1 if not needs else 0, 2)
    collaboration = list(ref.terms["collaboration_types"])
    if kind == Kind.CLUSTER and "cluster-partnership" in collaboration:
        others = [c for c in collaboration if c != "cluster-partnership"]
        types = ["cluster-partnership", *_pick(rng, others, 0, 2)]
    else:
        types = _pick(rng, collaboration, 1, 3)
    return {
        "sectors": _pick(rng, known("sectors", theme.sectors), 1, 3),
        "ecosystems": _pick(rng, known("ecosystems", theme.ecosystems), 1, 2),
        "emerging_industries": _pick(rng, known("emerging_industries", theme.emerging), 0, 2),
        "technologies": _pick(rng, known("technologies", theme.technologies), 1, 3),
        "thematic_areas": _pick(rng, known("thematic_areas", theme.thematic), 0, 2),
        "collaboration_types": types,
        "offers_topics": offers,
        "looks_for_topics": needs[:4],
    }


def _description(
    rng: random.Random, fields: dict, theme: Theme, terms: dict, ref: Reference
) -> str:
    kind = fields["kind"]
    what = KIND_PHRASES[kind].format(field=theme.field, size=SIZE_WORDS.get(fields["size_class"]))
    country = ref.countries[fields["country"]]
    sectors = [ref.terms["sectors"][c] for c in terms["sectors"]]
    techs = [ref.terms["technologies"][c] for c in terms["technologies"]]
    sentences = [
        f"{fields['name']} is {what}, based in {fields['city']}, {country}.",
        f"Its work covers {_sentence_list(sectors)}, drawing on {_sentence_list(techs)}.",
    ]
    if rng.random() < 0.7:
        closing = rng.choice(CLOSINGS[kind])
        sentences.append(closing.format(members=fields["member_count"]))
    return " ".join(sentences)


def _offer_texts(rng: random.Random, kind: str, terms: dict) -> tuple[str, str]:
    offers = _sentence_list(terms["offers_topics"])
    needs = _sentence_list(terms["looks_for_topics"])
    offer_text = rng.choice(
        (
            f"We offer {offers} to partners across Europe.",
            f"Partners can count on us for {offers}.",
            f"Our strengths: {offers}, with a track record of joint projects.",
        )
    )
    need_text = rng.choice(
        (
            f"We are looking for partners in {needs}.",
            f"We seek collaboration on {needs}, ideally in an EU-funded project.",
            f"Next on our agenda: {needs}. Get in touch if you can help.",
        )
    )
    return offer_text, need_text


def _memberships(
    rng: random.Random,
    by_kind: dict[str, list[OrgSpec]],
    first_cluster: OrgSpec,
    showcase_smes: tuple[OrgSpec, ...],
) -> list[tuple[str, str, date]]:
    """5-25 members per cluster, mostly of mixed kinds so the eligibility checklist is met."""
    pool = [o for kind in MEMBER_KINDS for o in by_kind[kind]]
    pairs: list[tuple[str, str, date]] = []
    for cluster in by_kind[Kind.CLUSTER]:
        weights = [
            (3 if o.fields["country"] == cluster.fields["country"] else 1)
            * (3 if o.theme == cluster.theme else 1)
            for o in pool
        ]
        k = min(rng.randint(5, 25), len(pool))
        chosen: list[OrgSpec] = []
        while len(chosen) < k:  # weighted sample without replacement
            pick = rng.choices(range(len(pool)), weights=weights)[0]
            chosen.append(pool[pick])
            weights[pick] = 0
        if cluster is first_cluster:
            chosen = list(showcase_smes) + [o for o in chosen if o not in showcase_smes]
        kinds = {o.fields["kind"] for o in chosen}
        # One cluster in eight keeps single-kind members: the checklist then shows a gap.
        if len(kinds) == 1 and (cluster is first_cluster or rng.random() < 0.875):
            others = [o for o in pool if o.fields["kind"] not in kinds and o not in chosen]
            if others:
                chosen[-1] = rng.choice(others)
        for member in chosen:
            joined = EPOCH - timedelta(days=rng.randint(30, 3000))
            pairs.append((cluster.slug, member.slug, joined))
    return pairs
