"""Full-text search over organisations (PostgreSQL), with a portable fallback for SQLite.

The weighted document lives in ``Organisation.search_vector``:

    A  name and acronym          B  description
    C  offers, looks-for and their topics     D  city and region name

It is rebuilt by one SQL statement from the rows themselves (topics and region joined in SQL),
so it is right whatever the caller holds in memory. Services refresh it inside their
transaction; signals queue a refresh on commit for every other path (admin, shell, tag edits).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.functions import Lower

CONFIG = "english"
# How strongly a typo-tolerant name match counts against a full-text match (0..1 each).
# Which names match at all is pg_trgm's word_similarity_threshold (0.6 by default, so that
# "fotonics" finds "Photonics Cluster"), answered from the GIN index on lower(name).
TRIGRAM_WEIGHT = 0.6

_TOPICS = """
    SELECT string_agg(t.name, ' ')
    FROM clusters_topic t JOIN clusters_organisation_{field} x ON x.topic_id = t.id
    WHERE x.organisation_id = o.id
"""

REFRESH_SQL = f"""
UPDATE clusters_organisation o SET search_vector =
    setweight(to_tsvector('{CONFIG}', o.name || ' ' || o.acronym), 'A')
    || setweight(to_tsvector('{CONFIG}', o.description), 'B')
    || setweight(to_tsvector('{CONFIG}', o.offers || ' ' || o.looks_for || ' '
        || coalesce(({_TOPICS.format(field="offers_topics")}), '') || ' '
        || coalesce(({_TOPICS.format(field="looks_for_topics")}), '')), 'C')
    || setweight(to_tsvector('{CONFIG}', o.city || ' ' || coalesce(
        (SELECT r.name FROM clusters_region r WHERE r.id = o.region_id), '')), 'D')
"""


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def refresh_search_vectors(ids: Iterable[int] | None = None) -> int:
    """Rebuild the documents of ``ids`` (all organisations when None); returns rows updated."""
    if not is_postgres():
        return 0
    with connection.cursor() as cursor:
        if ids is None:
            cursor.execute(REFRESH_SQL)
        else:
            ids = sorted(set(ids))
            if not ids:
                return 0
            _pending().difference_update(ids)
            cursor.execute(REFRESH_SQL + " WHERE o.id = ANY(%s)", [ids])
        return cursor.rowcount


def _pending() -> set[int]:
    if not hasattr(connection, "_search_pending"):
        connection._search_pending = set()
    return connection._search_pending


def _flush() -> None:
    pending = _pending()
    if pending:
        refresh_search_vectors(list(pending))


def refresh_on_commit(ids: Iterable[int]) -> None:
    """Queue a refresh for after the transaction; many changes to one profile cost one UPDATE."""
    if not is_postgres():
        return
    _pending().update(ids)
    transaction.on_commit(_flush)


def search(queryset: QuerySet, text: str) -> QuerySet:
    """Filter ``queryset`` to matches of ``text`` and annotate ``relevance`` (higher is better).

    PostgreSQL: web-search syntax over the weighted document, OR a trigram word similarity on
    the name for typos; an exact name (or acronym) match is lifted above everything else.
    SQLite: every word must appear in name, acronym, description, offers, looks-for or city;
    relevance is 2 for a name match, 1 otherwise.
    """
    text = " ".join(text.split())[:200]
    if not text:
        return queryset
    exact = Case(
        When(Q(name__iexact=text) | Q(acronym__iexact=text), then=Value(2.0)),
        default=Value(0.0),
        output_field=FloatField(),
    )
    if is_postgres():
        query = SearchQuery(text, config=CONFIG, search_type="websearch")
        lowered = text.lower()
        # A full-text hit is ranked by ts_rank alone; the trigram similarity (the costly
        # part) is computed only for names that matched through typo tolerance.
        score = Case(
            When(search_vector=query, then=SearchRank(F("search_vector"), query)),
            default=TrigramWordSimilarity(Value(lowered), "lower_name") * TRIGRAM_WEIGHT,
            output_field=FloatField(),
        )
        return (
            queryset.annotate(lower_name=Lower("name"))
            .filter(Q(search_vector=query) | Q(lower_name__trigram_word_similar=lowered))
            .annotate(relevance=exact + score)
        )
    words = text.split()[:8]
    for word in words:
        queryset = queryset.filter(
            Q(name__icontains=word)
            | Q(acronym__icontains=word)
            | Q(description__icontains=word)
            | Q(offers__icontains=word)
            | Q(looks_for__icontains=word)
            | Q(city__icontains=word)
        )
    name_hit = Case(
        When(name__icontains=words[0], then=Value(1.0)),
        default=Value(0.0),
        output_field=FloatField(),
    )
    return queryset.annotate(relevance=exact + name_hit + Value(1.0))
