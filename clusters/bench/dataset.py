"""The synthetic organisations: deterministic per seed, built with bulk inserts and COPY."""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from ..demo.generate import CLOSINGS, KIND_PHRASES, SIZE_WORDS, Reference
from ..demo.names import ascii_fold, make_acronym, title_case
from ..demo.vocabulary import (
    COORDINATES,
    COUNTRY_WEIGHTS,
    ENDINGS,
    FOUNDED,
    GENERIC_NEEDS,
    GENERIC_TOPICS,
    GEO_PREFIXES,
    LEGAL_FORMS,
    OTHER_KIND_WEIGHTS,
    REAL_PLACES,
    SIZE_TURNOVER,
    STEMS,
    TARGET_COUNTRIES,
    THEMES,
    THEMES_BY_KEY,
    TOPIC_VOCABULARY,
    TOWN_ENDINGS,
    Kind,
    Theme,
)
from ..models import Organisation, OrganisationStatus
from ..search import refresh_search_vectors
from ..services import topics_from_names
from .queries import BATCH_SIZE, BENCH_PREFIX, DEFAULT_SEED, NOT_POSTGRES, PUBLISHED_SHARE

# --------------------------------------------------------------------------------------


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        raise CommandError(NOT_POSTGRES.format(vendor=connection.vendor))


def bench_slug(seed: int, index: int) -> str:
    return f"{BENCH_PREFIX}{seed}-{index:06d}"


def bench_organisations():
    return Organisation.objects.filter(slug__startswith=BENCH_PREFIX)


@dataclass
class BuildResult:
    orgs: int
    reused: bool
    created: int = 0
    deleted: int = 0
    seconds: float = 0.0


# Kinds in the mix the issue asks for: 25% clusters, 45% SMEs, the rest spread as the demo does.
KIND_WEIGHTS = {
    Kind.CLUSTER: 25.0,
    Kind.SME: 45.0,
    **{k: 30.0 * w / sum(OTHER_KIND_WEIGHTS.values()) for k, w in OTHER_KIND_WEIGHTS.items()},
}
SME_WORDS = ("Labs", "Systems", "Solutions", "Works")
NAMES = {
    Kind.CLUSTER: (
        "{geo} {word} Cluster",
        "{brand} {word} Cluster",
        "{word} Cluster {town}",
        "{brand} {word} Network",
        "{geo} {word} Alliance",
        "{town} {word} Valley",
    ),
    Kind.SME: ("{brand} {word} {form}", "{brand} {sme} {form}", "{town} {word} {form}"),
    Kind.LARGE_COMPANY: ("{brand} {word} Group", "{brand} Industries {form}"),
    Kind.RTO: (
        "{brand} Institute for {field}",
        "{word} Research Centre {town}",
        "{town} Technology Institute",
    ),
    Kind.UNIVERSITY: (
        "University of {town}",
        "{town} University of Technology",
        "{town} University of Applied Sciences",
    ),
    Kind.INCUBATOR: ("{brand} {word} Accelerator", "{town} Startup Hub", "{brand} Innovation Hub"),
    Kind.PUBLIC_AUTHORITY: (
        "{town} Regional Development Agency",
        "{brand} Regional Innovation Agency",
    ),
    Kind.INVESTOR: ("{brand} Ventures", "{brand} {word} Capital", "{brand} Seed Fund"),
    Kind.OTHER: ("{brand} Foundation for {field}", "{word} Association {town}"),
}
OFFER_TEXTS = (
    "We offer {} to partners across Europe.",
    "Partners can count on us for {}.",
    "Our strengths: {}, with a track record of joint projects.",
)
NEED_TEXTS = (
    "We are looking for partners in {}.",
    "We seek collaboration on {}, ideally in an EU-funded project.",
    "Next on our agenda: {}. Get in touch if you can help.",
)
# Many-to-many field -> (theme attribute, fewest, most) for the taxonomy terms.
THEME_TERMS = {
    "sectors": ("sectors", 1, 3),
    "ecosystems": ("ecosystems", 1, 3),
    "technologies": ("technologies", 1, 3),
    "emerging_industries": ("emerging", 0, 2),
    "thematic_areas": ("thematic", 0, 2),
}


def _pick(rng: random.Random, options: list | tuple, low: int, high: int) -> list:
    return rng.sample(options, min(rng.randint(low, high), len(options)))


def _listing(items: list[str]) -> str:
    items = [i if i[:2].isupper() else i[0].lower() + i[1:] for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class Generator:
    """Organisations of a seed, from one random stream that always starts at organisation 0:
    organisation *i* is the same whatever the size of the set."""

    def __init__(self, seed: int, ref: Reference, topic_ids: dict[str, int]):
        self.seed = seed
        self.rng = random.Random(seed)
        self.ref = ref
        self.countries = list(ref.countries)
        self.country_weights = [COUNTRY_WEIGHTS.get(c, 1) for c in self.countries]
        self.kinds = list(KIND_WEIGHTS)
        self.kind_weights = list(KIND_WEIGHTS.values())
        self.term_ids = ref_term_ids()
        self.topic_ids = topic_ids
        self.today = timezone.localdate()
        self.epoch = datetime(2026, 1, 1, 9, tzinfo=UTC)

    def _coin(self, endings: tuple[str, ...]) -> str:
        while True:
            word = self.rng.choice(STEMS) + self.rng.choice(endings)
            if ascii_fold(word) not in REAL_PLACES:
                return word

    def organisation(self, index: int) -> tuple[Organisation, dict[str, list[int]]]:
        rng = self.rng
        kind = rng.choices(self.kinds, self.kind_weights)[0]
        country = rng.choices(self.countries, self.country_weights)[0]
        theme: Theme = rng.choice(THEMES)
        town = self._coin(TOWN_ENDINGS.get(country, ("ton", "ville", "burg")))
        brand = self._coin(ENDINGS)
        name = rng.choice(NAMES[kind]).format(
            geo=rng.choice(GEO_PREFIXES.get(country) or (brand,)),
            brand=brand,
            word=rng.choice(theme.words),
            town=town,
            form=rng.choice(LEGAL_FORMS.get(country, ("Ltd",))),
            sme=rng.choice(SME_WORDS),
            field=title_case(theme.field),
        )
        slug = bench_slug(self.seed, index)
        regions = self.ref.regions.get(country)
        lat, lon, spread = COORDINATES.get(country, (50.0, 10.0, 1.0))
        published = rng.random() < PUBLISHED_SHARE
        org = Organisation(
            name=name,
            slug=slug,
            acronym=make_acronym(name) if kind not in (Kind.SME, Kind.INVESTOR) else "",
            kind=kind,
            status=OrganisationStatus.PUBLISHED if published else OrganisationStatus.DRAFT,
            country=country,
            region_id=rng.choice(regions) if regions else None,
            city=town,
            latitude=Decimal(f"{lat + rng.uniform(-spread, spread):.5f}"),
            longitude=Decimal(f"{lon + rng.uniform(-spread, spread) * 1.5:.5f}"),
            website=f"https://{slugify(name)[:60]}.example.org",
            website_in_english=rng.random() < 0.85,
            founded_year=rng.randint(*FOUNDED[kind]),
            target_countries=sorted(_pick(rng, TARGET_COUNTRIES, 0, 3)),
            published_at=self.epoch - timedelta(days=rng.randint(1, 700)) if published else None,
            contact_email=f"contact@{slug}.example.org",
            completeness=rng.randint(40, 100),
        )
        if kind == Kind.CLUSTER:
            org.member_count = rng.randint(15, 400)
            org.staff_fte = Decimal(rng.randint(5, 120)) / 10
            if rng.random() < 0.4:
                org.label = rng.choices(("bronze", "silver", "gold"), (5, 3, 2))[0]
                days = rng.randint(30, 900) if rng.random() < 0.85 else -rng.randint(10, 400)
                org.label_valid_until = self.today + timedelta(days=days)
        elif kind == Kind.SME:
            org.size_class = rng.choices(("micro", "small", "medium"), (4, 4, 2))[0]
            org.turnover_band = rng.choice(SIZE_TURNOVER[org.size_class])

        codes: dict[str, list[str]] = {}
        for m2m, (attribute, low, high) in THEME_TERMS.items():
            known = [c for c in getattr(theme, attribute) if c in self.term_ids[m2m]]
            codes[m2m] = _pick(rng, known, low, high)
        codes["collaboration_types"] = _pick(rng, list(self.term_ids["collaboration_types"]), 1, 3)
        offers = _pick(rng, theme.topics, 1, 2) + _pick(rng, GENERIC_TOPICS[kind], 0, 2)
        neighbours = [t for key in theme.neighbours for t in THEMES_BY_KEY[key].topics]
        needs = _pick(rng, neighbours, 0, 2) + _pick(rng, GENERIC_NEEDS[kind], 1, 2)
        org.offers = rng.choice(OFFER_TEXTS).format(_listing(offers))
        org.looks_for = rng.choice(NEED_TEXTS).format(_listing(needs))

        what = KIND_PHRASES[kind].format(field=theme.field, size=SIZE_WORDS.get(org.size_class))
        sectors = [self.ref.terms["sectors"][c] for c in codes["sectors"]]
        techs = [self.ref.terms["technologies"][c] for c in codes["technologies"]]
        sentences = [
            f"{name} is {what}, based in {town}, {self.ref.countries[country]}.",
            f"Its work covers {_listing(sectors)}, drawing on {_listing(techs)}.",
        ]
        if rng.random() < 0.7:
            sentences.append(rng.choice(CLOSINGS[kind]).format(members=org.member_count))
        org.description = " ".join(sentences)

        links = {m2m: [self.term_ids[m2m][c] for c in values] for m2m, values in codes.items()}
        links["offers_topics"] = [self.topic_ids[t] for t in offers[:4]]
        links["looks_for_topics"] = [self.topic_ids[t] for t in needs[:4]]
        return org, links


def ref_term_ids() -> dict[str, dict[str, int]]:
    """Code -> pk for every taxonomy many-to-many field of Organisation (topics excluded)."""
    result = {}
    for name in (*THEME_TERMS, "collaboration_types"):
        model = Organisation._meta.get_field(name).related_model
        result[name] = dict(sorted(model.objects.values_list("code", "pk")))
    return result


def ensure_dataset(
    orgs: int,
    seed: int = DEFAULT_SEED,
    rebuild: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> BuildResult:
    """Make the bench set exactly organisations 0..orgs-1 of ``seed``; reuse what matches."""
    require_postgres()
    if orgs < 1:
        raise CommandError("--orgs must be at least 1.")
    started = time.perf_counter()
    wanted = {bench_slug(seed, i): i for i in range(orgs)}
    existing = set() if rebuild else set(bench_organisations().values_list("slug", flat=True))
    if existing == wanted.keys():
        return BuildResult(orgs=orgs, reused=True, seconds=time.perf_counter() - started)

    with transaction.atomic():
        deleted = drop_dataset() if rebuild else _delete_slugs(existing - wanted.keys())
        if deleted:
            log(f"bench_search: deleted {deleted} organisations ({_since(started)})")
        missing = sorted(wanted[s] for s in wanted.keys() - existing)
        log(f"bench_search: building {len(missing)} organisations (seed {seed})...")
        created_ids = _insert(seed, missing, lambda m: log(f"{m} ({_since(started)})"))
        refresh_search_vectors(created_ids)  # one UPDATE for the whole set
        log(f"bench_search: search documents rebuilt ({_since(started)})")
    _analyze()
    log(f"bench_search: statistics refreshed ({_since(started)})")
    seconds = time.perf_counter() - started
    log(f"bench_search: built {len(created_ids)} organisations in {seconds:.1f} s")
    return BuildResult(
        orgs=orgs, reused=False, created=len(created_ids), deleted=deleted, seconds=seconds
    )


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"


def drop_dataset() -> int:
    """Delete every bench organisation (and, by cascade, its links); returns how many."""
    require_postgres()
    with transaction.atomic():
        return _delete_slugs(set(bench_organisations().values_list("slug", flat=True)))


def _delete_slugs(slugs: Iterable[str]) -> int:
    slugs = sorted(slugs)
    deleted = 0
    for start in range(0, len(slugs), BATCH_SIZE):
        batch = Organisation.objects.filter(slug__in=slugs[start : start + BATCH_SIZE])
        deleted += batch.delete()[1].get(Organisation._meta.label, 0)
    return deleted


def _insert(seed: int, indexes: list[int], log: Callable[[str], None]) -> list[int]:
    if not indexes:
        return []
    ref = Reference.from_database()
    topics = topics_from_names(TOPIC_VOCABULARY)
    by_code = {t.code: t.pk for t in topics}
    topic_ids = {name: by_code[slugify(" ".join(name.split()))[:80]] for name in TOPIC_VOCABULARY}
    generator = Generator(seed, ref, topic_ids)
    wanted = set(indexes)
    links: dict[str, list[tuple[int, int]]] = {name: [] for name in M2M_LINKS}
    created: list[int] = []
    batch: list[tuple[Organisation, dict[str, list[int]]]] = []

    def flush() -> None:
        Organisation.objects.bulk_create([org for org, _ in batch], batch_size=BATCH_SIZE)
        for org, terms in batch:
            created.append(org.pk)
            for name, ids in terms.items():
                links[name].extend((org.pk, pk) for pk in ids)
        batch.clear()
        log(f"bench_search:   {len(created)} / {len(indexes)} organisations")

    # The stream runs from organisation 0 so that organisation i is always the same.
    for index in range(max(indexes) + 1):
        org, terms = generator.organisation(index)
        if index in wanted:
            batch.append((org, terms))
            if len(batch) >= BATCH_SIZE:
                flush()
    if batch:
        flush()
    for name, rows in links.items():
        _copy_links(name, rows)
    log(f"bench_search:   {sum(len(rows) for rows in links.values())} tag links copied")
    return created


M2M_LINKS = (*THEME_TERMS, "collaboration_types", "offers_topics", "looks_for_topics")


def _copy_links(name: str, rows: list[tuple[int, int]]) -> None:
    """Through-table rows with COPY: a million rows in seconds, where bulk_create takes minutes."""
    m2m = Organisation._meta.get_field(name)
    through = m2m.remote_field.through._meta
    source = through.get_field(m2m.m2m_field_name()).column
    target = through.get_field(m2m.m2m_reverse_field_name()).column
    data = io.StringIO("".join(f"{s}\t{t}\n" for s, t in rows))
    table = connection.ops.quote_name(through.db_table)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({source}, {target}) FROM STDIN", data)


def _analyze() -> None:
    """The state of a database autovacuum has seen, whatever the build's history.

    VACUUM FULL compacts the organisation table (inserting, then writing every search
    document, leaves it 2.5 times its size), VACUUM sets the visibility map (index-only
    scans) and ANALYZE gives the planner statistics for every table (a fresh database has
    none, not even for the reference data). VACUUM cannot run in a transaction (tests)."""
    quote = connection.ops.quote_name
    organisations = Organisation._meta.db_table
    tables = [organisations] + [
        Organisation._meta.get_field(name).remote_field.through._meta.db_table for name in M2M_LINKS
    ]
    with connection.cursor() as cursor:
        if not connection.in_atomic_block:
            cursor.execute(f"VACUUM FULL {quote(organisations)}")
            for table in tables:
                cursor.execute(f"VACUUM {quote(table)}")
        cursor.execute("ANALYZE")


# --------------------------------------------------------------------------------------
# Measuring
