"""Synthetic profiles with planted complementary pairs, for the quality benchmark (no Django)."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import engine

DATA = Path(__file__).resolve().parent.parent / "clusters" / "data"


@dataclass(frozen=True)
class Theme:
    sectors: tuple[str, ...]
    ecosystems: tuple[str, ...]
    technologies: tuple[str, ...]
    thematic: tuple[str, ...]
    topics: tuple[str, ...]  # offered in this line of business
    neighbours: tuple[str, ...]  # themes whose topics it looks for


def _t(*parts: str) -> Theme:
    return Theme(*(tuple(p.split("|")) for p in parts))


# Modelled on clusters/demo/vocabulary.py THEMES (codes from clusters/data/*.csv), with more
# topics per theme so that 100,000 profiles do not all say the same thing.
THEMES = {
    "photonics": _t(
        "lighting-and-electrical-equipment|information-technology-and-analytical-instruments"
        "|communications-equipment-and-services", "electronics|digital",
        "photonics|micro-nanoelectronics|advanced-materials", "photonics|nano-enabled-products",
        "laser processing|optical sensing|photonic integrated circuits|machine vision"
        "|optical coatings|spectroscopy|lidar systems|laser welding",
        "manufacturing|health|digital"),
    "manufacturing": _t(
        "production-technology-and-heavy-machinery|metalworking-technology"
        "|downstream-metal-products", "electronics|energy-intensive|digital",
        "robotics|advanced-manufacturing|artificial-intelligence|internet-of-things",
        "sme-industry-4-0|efficient-sustainable-manufacturing|3d-printing|ai-hmi",
        "industrial robotics|predictive maintenance|additive manufacturing|cnc machining"
        "|collaborative robots|quality inspection|metal casting|process automation",
        "digital|photonics|mobility"),
    "health": _t(
        "medical-devices|biopharmaceuticals|education-and-knowledge-creation", "health",
        "industrial-biotechnology|nanotechnology|artificial-intelligence|big-data",
        "medical-technology|ai-hmi",
        "clinical trials|medical device certification|digital health|diagnostics"
        "|biomarker discovery|drug delivery|telemedicine|medical imaging",
        "digital|photonics|chemicals"),
    "agrifood": _t(
        "food-processing-and-manufacturing|agricultural-inputs-and-services|livestock-processing",
        "agri-food|retail", "internet-of-things|big-data|industrial-biotechnology",
        "high-tech-farming|traceability-big-data|smart-sensors-agrifood"
        "|consumer-involvement-agrifood",
        "precision farming|food safety testing|alternative proteins|crop monitoring"
        "|cold chain logistics|vertical farming|animal health monitoring",
        "digital|chemicals|maritime"),
    "batteries": _t(
        "electric-power-generation-and-transmission|lighting-and-electrical-equipment"
        "|upstream-chemical-products", "energy-renewables|mobility-transport-automotive",
        "advanced-materials|advanced-manufacturing|nanotechnology", "smart-grids|adma-energy",
        "battery recycling|battery cell testing|energy storage systems"
        "|battery management systems|cathode materials|solid-state electrolytes"
        "|second-life batteries", "mobility|renewables|chemicals"),
    "renewables": _t(
        "electric-power-generation-and-transmission|environmental-services"
        "|oil-and-gas-production-and-transportation", "energy-renewables|energy-intensive",
        "advanced-materials|internet-of-things|big-data",
        "solar-energy|bioenergy|marine-renewable-energy|smart-grids",
        "green hydrogen|solar pv integration|smart grid integration|wind turbine maintenance"
        "|biogas production|heat pumps|electrolyser testing", "batteries|maritime|construction"),
    "mobility": _t(
        "automotive|transportation-and-logistics|trailers-motor-homes-and-appliances",
        "mobility-transport-automotive", "mobility-technologies|connectivity"
        "|artificial-intelligence", "sme-industry-4-0",
        "autonomous driving|lightweight components|ev charging|fleet telematics"
        "|powertrain testing|vehicle cybersecurity|last-mile delivery",
        "batteries|digital|manufacturing"),
    "maritime": _t(
        "water-transportation|fishing-and-fishing-products|transportation-and-logistics",
        "mobility-transport-automotive|tourism", "internet-of-things|connectivity|robotics",
        "marine-renewable-energy",
        "port logistics|aquaculture|underwater robotics|ship design|offshore inspection"
        "|marine biotechnology|vessel emissions monitoring", "renewables|agrifood|digital"),
    "aerospace": _t(
        "aerospace-vehicles-and-defence|communications-equipment-and-services",
        "aerospace-defence|electronics", "advanced-materials|micro-nanoelectronics|connectivity",
        "adma-energy|3d-printing",
        "satellite data services|composite materials|drone operations|avionics software"
        "|space qualification testing|aircraft maintenance|earth observation",
        "manufacturing|digital|photonics"),
    "textile": _t(
        "textile-manufacturing|apparel|footwear|leather-and-related-products", "textile|retail",
        "advanced-materials|nanotechnology", "textile-innovation|sports-innovation",
        "smart textiles|textile recycling|circular design|technical fabrics|dyeing processes"
        "|wearable sensors", "creative|chemicals|health"),
    "digital": _t(
        "information-technology-and-analytical-instruments|communications-equipment-and-services"
        "|business-services", "digital",
        "artificial-intelligence|big-data|cloud-technologies|blockchain|security-connectivity",
        "cyber-security|ai-hmi",
        "cybersecurity audits|machine learning|data spaces|digital twins|edge computing"
        "|cloud migration|computer vision|blockchain traceability",
        "manufacturing|health|mobility"),
    "construction": _t(
        "construction-products-and-services|wood-products|forestry|furniture", "construction",
        "advanced-materials|internet-of-things", "sustainable-buildings"
        "|bioeconomy-non-food-biomass",
        "timber construction|energy-efficient renovation|building information modelling"
        "|modular housing|green concrete|indoor air quality", "renewables|digital|chemicals"),
    "creative": _t(
        "hospitality-and-tourism|marketing-design-and-publishing"
        "|video-production-and-distribution|music-and-sound-recording",
        "cultural-creative|tourism", "augmented-virtual-reality|big-data",
        "tourism-digitalisation-safety",
        "immersive experiences|game development|sustainable tourism|visitor analytics"
        "|product design|audiovisual production", "digital|textile|agrifood"),
    "chemicals": _t(
        "upstream-chemical-products|downstream-chemical-products|plastics|paper-and-packaging"
        "|environmental-services", "energy-intensive",
        "industrial-biotechnology|advanced-materials", "chemicals|bioeconomy-non-food-biomass",
        "bioplastics|chemical recycling|sustainable packaging|water treatment|green solvents"
        "|coatings and adhesives|catalysis", "batteries|textile|agrifood"),
}  # fmt: skip
# Where a topic is applied: "additive manufacturing for medical devices".
APPLICATIONS = (
    "medical devices", "aerospace", "automotive", "agriculture", "food processing",
    "batteries", "wind energy", "ports", "shipbuilding", "construction", "textiles",
    "packaging", "rail", "smart cities", "water utilities", "the chemical industry",
    "pharmaceuticals", "consumer electronics", "logistics", "retail", "tourism", "defence",
    "space", "mining", "forestry", "furniture", "energy grids", "hydrogen", "aquaculture",
    "smes",
)  # fmt: skip
GENERIC_OFFERS = {
    "cluster": ("market entry support", "partner search", "eu funding applications"),
    "sme": ("pilot customers",),
    "large_company": ("pilot customers", "open innovation challenges"),
    "rto": ("contract research", "testing facilities", "technology licensing"),
    "university": ("contract research", "skills training", "technology licensing"),
    "incubator": ("startup acceleration", "investment readiness"),
    "public_authority": ("innovation vouchers", "public procurement of innovation"),
    "investor": ("seed funding", "venture capital"),
    "other": ("skills training", "partner search"),
}
GENERIC_NEEDS = ("market entry support", "seed funding", "testing facilities",
                 "eu funding applications", "contract research", "pilot customers")  # fmt: skip
KIND_WEIGHTS = {"cluster": 25, "sme": 45, "large_company": 6, "rto": 6, "university": 6,
                "incubator": 4, "public_authority": 4, "investor": 3, "other": 1}  # fmt: skip
COUNTRY_WEIGHTS = {"DE": 10, "FR": 8, "IT": 7, "ES": 6, "PL": 5, "NL": 4, "BE": 3, "SE": 3,
                   "AT": 3, "PT": 3, "CZ": 3, "RO": 3, "DK": 2, "FI": 2, "HU": 2, "GR": 2,
                   "IE": 2, "NO": 2, "CH": 2, "GB": 2}  # fmt: skip
TARGETS = ("JP", "US", "CA", "KR", "IN", "BR", "SG", "CN", "AU", "GB", "NO", "CH", "DE", "FR",
           "IT", "ES", "NL", "PL", "SE", "FI", "IL", "UA", "MA")  # fmt: skip
GROUP_SIZES = ((1, 40), (2, 25), (3, 15), (5, 10), (8, 5), (15, 5))  # providers per seeker
OFFER_TEMPLATES = ("We offer {} to partners across Europe.", "Partners can count on us for {}.",
                   "Our strengths: {}, with a track record of joint projects.")  # fmt: skip
NEED_TEMPLATES = ("We are looking for partners in {}.",
                  "We seek collaboration on {}, ideally in an EU-funded project.",
                  "Next on our agenda: {}. Get in touch if you can help.")  # fmt: skip
FILLER = ("innovation", "sustainability", "digitalisation", "internationalisation", "quality",
          "efficiency", "competitiveness", "growth", "excellence", "resilience", "value",
          "solutions", "services", "technology", "industry", "research", "development")  # fmt: skip


def _csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def term_names() -> dict[str, dict[str, str]]:
    files = {"sectors": "sectors.csv", "ecosystems": "industrial_ecosystems.csv",
             "technologies": "technologies.csv", "thematic_areas": "thematic_areas.csv",
             "countries": "countries.csv"}  # fmt: skip
    return {vocab: {r["code"]: r["name"] for r in _csv(f)} for vocab, f in files.items()}


@dataclass
class Dataset:
    profiles: engine.Profiles
    truth: dict[int, set[int]]  # organisation id -> its true partners (planted groups only)
    params: dict = field(default_factory=dict)


def _listing(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def generate(
    n: int,
    seed: int = 1,
    *,
    planted_share: float = 0.3,
    noise: float = 0.3,
    decoy_rate: float = 0.5,
    abroad: float = 0.8,
    filler: float = 0.5,
    overlap: float = 0.3,
    mutual: float = 0.3,
    tagged: float = 1.0,
) -> Dataset:
    """n profiles, ids 1..n in random order. ``planted_share`` of them in planted groups;
    ``noise``: share of background profiles mixing two themes; ``decoy_rate``: decoys per
    group (a provider of the group's topic from an unrelated theme, at the seeker's home);
    ``abroad``: share of providers in another country than their seeker; ``filler``: share
    of texts with a sentence of generic words; ``overlap``: share of providers that also
    work in one of their seeker's sectors (never in all of them); ``mutual``: share of groups
    where the providers also look for a topic their seeker offers (complementary both ways);
    ``tagged``: share of profiles whose topics are tags too (the others: free text only)."""
    rng = random.Random(seed)
    keys = list(THEMES)
    regions: dict[str, list[str]] = {}
    for r in _csv("regions.csv"):
        if r["level"] == "2":
            regions.setdefault(r["country"], []).append(r["code"])
    countries = list(COUNTRY_WEIGHTS) + [c for c in regions if c not in COUNTRY_WEIGHTS]
    c_weights = [COUNTRY_WEIGHTS.get(c, 1) for c in countries]
    kinds, k_weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    # Topic combinations: half only for planted groups (each group its own), half background.
    combos = [(t, a) for th in THEMES.values() for t in th.topics for a in APPLICATIONS]
    rng.shuffle(combos)
    reserved, common = combos[: len(combos) // 2], combos[len(combos) // 2 :]
    by_base: dict[str, list[str]] = {}
    for t, a in common:
        by_base.setdefault(t, []).append(f"{t} for {a}")

    def pick(seq, lo, hi):
        return rng.sample(seq, min(len(seq), rng.randint(lo, hi)))

    def topic(base: str) -> str:
        return rng.choice(by_base[base]) if rng.random() < 0.8 else base

    rows: list[dict] = []

    def profile(theme: str, kind: str | None = None, country: str | None = None) -> dict:
        th = THEMES[theme]
        mixed = THEMES[rng.choice(keys)] if rng.random() < noise else th
        kind = kind or rng.choices(kinds, k_weights)[0]
        country = country or rng.choices(countries, c_weights)[0]
        offers = [topic(b) for b in pick(th.topics + mixed.topics, 1, 3)]
        offers += pick(GENERIC_OFFERS[kind], 0, 1)
        near = [t for nb in th.neighbours for t in THEMES[nb].topics]
        needs = [topic(b) for b in pick(near, 0, 2)] + pick(GENERIC_NEEDS, 0, 1)
        row = {
            "theme": theme,
            "kind": kind,
            "country": country,
            "region": rng.choice(regions[country]) if country in regions else "",
            "sectors": pick(list(dict.fromkeys(th.sectors + mixed.sectors[:1])), 1, 3),
            "ecosystems": pick(th.ecosystems, 1, 2),
            "technologies": pick(list(dict.fromkeys(th.technologies + mixed.technologies)), 1, 3),
            "thematic_areas": pick(th.thematic, 0, 2),
            "offers": offers,
            "needs": needs,
            "targets": pick(TARGETS, 0, 3),
            "tagged": rng.random() < tagged,
            "label": rng.choices(("", "bronze", "silver", "gold"), (12, 4, 3, 2))[0]
            if kind == "cluster"
            else "",
        }
        rows.append(row)
        return row

    planted_target = round(n * planted_share)
    truth_rows: list[tuple[int, list[int]]] = []
    used = 0
    while used < planted_target and reserved:
        size = rng.choices(*zip(*GROUP_SIZES, strict=True))[0]
        size = min(size, planted_target - used - 1)
        if size < 1:
            break
        theme = rng.choice(keys)
        base, application = reserved.pop()
        home = rng.choices(countries, c_weights)[0]
        planted = f"{base} for {application}"
        seeker = profile(theme, country=home)
        seeker_index = len(rows) - 1
        sectors = list(THEMES[theme].sectors)
        rng.shuffle(sectors)
        split = rng.randint(1, len(sectors) - 1)
        seeker["sectors"] = sectors[:split][:2]
        seeker["needs"].insert(0, planted)
        providers = []
        for _ in range(size):
            country = rng.choices(countries, c_weights)[0] if rng.random() < abroad else home
            provider = profile(theme, country=country)
            provider["sectors"] = pick(sectors[split:], 1, 2)
            if rng.random() < overlap:
                provider["sectors"].append(rng.choice(seeker["sectors"]))
            provider["offers"].insert(0, planted)
            if country != home and rng.random() < 0.3:
                seeker["targets"] = list(dict.fromkeys([*seeker["targets"], country]))
            providers.append(len(rows) - 1)
        if rng.random() < mutual and reserved:
            back = "{} for {}".format(*reserved.pop())
            seeker["offers"].insert(0, back)
            for p in providers:
                rows[p]["needs"].insert(0, back)
        truth_rows.append((seeker_index, providers))
        used += size + 1
        if rng.random() < decoy_rate:
            unrelated = [k for k in keys if k != theme and k not in THEMES[theme].neighbours]
            decoy = profile(rng.choice(unrelated), country=home)
            decoy["offers"].insert(0, planted)
    while len(rows) < n:
        profile(rng.choice(keys))
    del rows[n:]
    ids = list(range(1, n + 1))
    rng.shuffle(ids)
    truth: dict[int, set[int]] = {}
    for seeker, providers in truth_rows:
        providers = [p for p in providers if p < n]
        if seeker < n and providers:
            truth[ids[seeker]] = {ids[p] for p in providers}
            for p in providers:
                truth.setdefault(ids[p], set()).add(ids[seeker])

    def text(templates, topics):
        if not topics:
            return ""
        out = rng.choice(templates).format(_listing(topics))
        if rng.random() < filler:
            out += " " + " and ".join(rng.sample(FILLER, 3)).capitalize() + "."
        return out

    profiles = engine.Profiles(
        ids=ids,
        kinds=[r["kind"] for r in rows],
        countries=[r["country"] for r in rows],
        regions=[r["region"] for r in rows],
        sectors=[r["sectors"] for r in rows],
        ecosystems=[r["ecosystems"] for r in rows],
        technologies=[r["technologies"] for r in rows],
        thematic_areas=[r["thematic_areas"] for r in rows],
        offers_text=[text(OFFER_TEMPLATES, r["offers"]) for r in rows],
        looks_for_text=[text(NEED_TEMPLATES, r["needs"]) for r in rows],
        offers_topics=[list(dict.fromkeys(r["offers"])) if r["tagged"] else [] for r in rows],
        looks_for_topics=[list(dict.fromkeys(r["needs"])) if r["tagged"] else [] for r in rows],
        target_countries=[[c for c in r["targets"] if c != r["country"]] for r in rows],
        labels=[r["label"] for r in rows],
        term_names=term_names(),
    )
    params = {"n": n, "seed": seed, "planted_share": planted_share, "noise": noise,
              "decoy_rate": decoy_rate, "abroad": abroad, "filler": filler, "overlap": overlap,
              "mutual": mutual, "tagged": tagged}  # fmt: skip
    return Dataset(profiles=profiles, truth=truth, params=params)
