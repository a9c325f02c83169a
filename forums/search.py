"""Full-text search across the decisions, assignments and minutes a person may see.

PostgreSQL: the 'swedish' text-search configuration (stemming: "beslutar" finds "beslut") over a
stored `search_vector` column per table, kept up to date by a trigger (migration 0005) and GIN
indexed. SQLite: a plain case-insensitive substring match, enough for development and the demo.

The work per search is bounded whatever the word: a common word matches a fifth of 100 000 rows,
and ranking every match costs hundreds of milliseconds. So each kind takes the CANDIDATES newest
matches, ranks only those, and says "fler än CANDIDATES" rather than counting the rest. PostgreSQL
finds a common word's newest matches walking the primary key backwards (a word in one row in four:
~800 rows read for 200), a rare word's through the GIN index. A person who needs
older matches adds a word. Access is the caller's: `queryset` is already what the person may see.
"""

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Count, F, Q, Window

CONFIG = "swedish"
CANDIDATES = 200  # matches ranked per kind, the newest; past that the page says "fler än 200"

# The fields each table's vector is made of (the trigger of migration 0005; the SQLite fallback).
FIELDS = {
    "decision": ("text",),
    "assignment": ("what",),
    "agendaitem": ("title", "notes"),
}


def postgres():
    return connection.vendor == "postgresql"


def _query(words):
    return SearchQuery(words, config=CONFIG, search_type="websearch")


def matching(queryset, model_name, words):
    """Every row of `queryset` that matches `words`, unordered (for counting and filtering)."""
    if postgres():
        return queryset.filter(search_vector=_query(words))
    condition = Q()
    for field in FIELDS[model_name]:
        condition |= Q(**{f"{field}__icontains": words})
    return queryset.filter(condition)


def _candidates(queryset, model_name, words):
    """The newest CANDIDATES + 1 matches' ids, as a subquery (one more, to know that there are more).
    On PostgreSQL, LIMIT inside IN is allowed; so it is on SQLite."""
    return matching(queryset, model_name, words).order_by("-pk").values("pk")[:CANDIDATES + 1]


def best(queryset, model_name, words):
    """The newest matches, best first (newest first on SQLite), with `total` on every row: how many
    candidates there were (CANDIDATES + 1 means more). A lazy queryset: slice it; one statement.
    Of the CANDIDATES + 1 candidates only the best CANDIDATES are ever shown (pages stop there)."""
    found = queryset.filter(pk__in=_candidates(queryset, model_name, words)).annotate(total=Window(Count("pk")))
    if postgres():
        # ts_rank reads at most CANDIDATES + 1 stored vectors.
        return found.annotate(rank=SearchRank(F("search_vector"), _query(words))).order_by("-rank", "-pk")
    return found.order_by("-pk")


@dataclass
class Found:
    """One kind's page of results and how many matched (`more` when past CANDIDATES)."""
    rows: list
    count: int
    more: bool
    page: int
    pages: int


def _ranked_ids(queryset, model_name, words, offset, limit):
    """One page of the candidates' ids, best first, and how many candidates there were.

    PostgreSQL: one statement that ranks the candidates' stored vectors inside the bounded subquery,
    so only the page's rows are joined afterwards (not all CANDIDATES + 1 of them)."""
    candidates = matching(queryset, model_name, words).order_by("-pk")
    if not postgres():
        ids = list(candidates.values_list("pk", flat=True)[:CANDIDATES + 1])
        return ids[offset:offset + limit], len(ids)
    sql, params = candidates.values_list("pk", "search_vector")[:CANDIDATES + 1].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT c.id, count(*) OVER () FROM ({sql}) AS c(id, vector) "
                       "ORDER BY ts_rank(c.vector, websearch_to_tsquery(%s::regconfig, %s)) DESC, c.id DESC "
                       "LIMIT %s OFFSET %s", [*params, CONFIG, words, limit, offset])
        rows = cursor.fetchall()
    return [row[0] for row in rows], rows[0][1] if rows else 0


def found(queryset, model_name, words, *, page=1, per_page=10):
    """A page of the best matches of one kind, with the bounded count: two statements (the ranked
    page's ids, then its rows), one more when the page asked for is past the last."""
    def ids_of(number):
        offset = (number - 1) * per_page
        return _ranked_ids(queryset, model_name, words, offset, max(0, min(per_page, CANDIDATES - offset)))

    page = max(1, min(page, -(-CANDIDATES // per_page)))
    ids, total = ids_of(page)
    if not ids and page > 1:  # past the last page: learn the total, then show the last
        _ids, total = ids_of(1)
        page = max(1, -(-min(total, CANDIDATES) // per_page))
        ids, total = ids_of(page)
    count = min(total, CANDIDATES)
    by_id = queryset.defer("search_vector").in_bulk(ids) if ids else {}
    return Found(rows=[by_id[pk] for pk in ids if pk in by_id], count=count, more=total > CANDIDATES, page=page,
                 pages=max(1, -(-count // per_page)))
