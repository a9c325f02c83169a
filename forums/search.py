"""Full-text search across the decisions, assignments and minutes a person may see.

PostgreSQL: the 'swedish' text-search configuration (stemming: "beslutar" finds "beslut"), with
GIN indexes over exactly these expressions (migration 0002, made only on PostgreSQL). SQLite: a
plain case-insensitive substring match, enough for development and the demo.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q

CONFIG = "swedish"

# (model name, the fields searched), one index per entry.
VECTORS = {
    "decision": ("text",),
    "assignment": ("what",),
    "agendaitem": ("title", "notes"),
}


def vector(model_name):
    return SearchVector(*VECTORS[model_name], config=CONFIG)


def postgres():
    return connection.vendor == "postgresql"


def matching(queryset, model_name, words):
    """The rows of `queryset` that match `words`, best first on PostgreSQL."""
    if postgres():
        query = SearchQuery(words, config=CONFIG, search_type="websearch")
        # alias, not annotate: the vector is for the WHERE (the GIN index); selecting it would compute
        # to_tsvector once more for every match.
        return (queryset.alias(search=vector(model_name)).filter(search=query)
                .annotate(rank=SearchRank(vector(model_name), query)).order_by("-rank", "-pk"))
    condition = Q()
    for field in VECTORS[model_name]:
        condition |= Q(**{f"{field}__icontains": words})
    return queryset.filter(condition).order_by("-pk")
