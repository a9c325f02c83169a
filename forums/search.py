"""Full-text search across the decisions, assignments and minutes a person may see.

PostgreSQL: the 'swedish' text-search configuration (stemming: "beslutar" finds "beslut") over a
stored `search_vector` column per table, kept up to date by a trigger (migration 0005) and GIN
indexed. SQLite: a plain case-insensitive substring match, enough for development and the demo.

The work per search is bounded whatever the word: a common word matches a fifth of 100 000 rows,
and ranking every match costs hundreds of milliseconds. So each kind takes the CANDIDATES newest
matches, ranks only those, and says "fler än CANDIDATES" rather than counting the rest; a person who
needs older matches adds a word. Access is the caller's: `queryset` is already what the person may see.
"""

from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q

CONFIG = "swedish"
CANDIDATES = 500  # matches ranked per kind, the newest; past that the page says "fler än 500"

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
    """The ids of the newest CANDIDATES + 1 matches (one more, to know that there are more)."""
    return matching(queryset, model_name, words).order_by("-pk").values("pk")[:CANDIDATES + 1]


def _ranked(queryset, words, ids):
    if postgres():
        # ts_rank reads at most CANDIDATES stored vectors.
        return (queryset.filter(pk__in=ids).annotate(rank=SearchRank(F("search_vector"), _query(words)))
                .order_by("-rank", "-pk"))
    return queryset.filter(pk__in=ids).order_by("-pk")


def best(queryset, model_name, words):
    """The newest CANDIDATES matches, best first (newest first on SQLite): a lazy queryset to page
    (the API). The candidates are a sliced subquery; PostgreSQL takes LIMIT inside IN."""
    ids = _candidates(queryset, model_name, words).values_list("pk", flat=True)[:CANDIDATES]
    return _ranked(queryset, words, ids if postgres() else list(ids))


@dataclass
class Found:
    """One kind's page of results and how many matched (`more` when past CANDIDATES)."""
    rows: list
    count: int
    more: bool
    page: int
    pages: int


def found(queryset, model_name, words, *, page=1, per_page=20):
    """A page of the best matches of one kind, with the bounded count: two statements, the
    candidates' ids and the ranked page."""
    ids = list(_candidates(queryset, model_name, words).values_list("pk", flat=True))
    more, ids = len(ids) > CANDIDATES, ids[:CANDIDATES]
    pages = max(1, -(-len(ids) // per_page))
    page = min(max(1, page), pages)
    rows = list(_ranked(queryset, words, ids)[(page - 1) * per_page:page * per_page]) if ids else []
    return Found(rows=rows, count=len(ids), more=more, page=page, pages=pages)
