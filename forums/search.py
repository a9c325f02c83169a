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
# The newest rows of a table looked at first (PostgreSQL): enough for a word in one row in fifty.
RECENT_ROWS = 10_000

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


def _recent_ids(models):
    """For each model, the id of its table's RECENT_ROWS-th newest row (None in a smaller table),
    in one statement: a literal the planner can weigh, where a subquery would be a guess."""
    quote = connection.ops.quote_name
    sql = ", ".join(f"(SELECT {quote(model._meta.pk.column)} FROM {quote(model._meta.db_table)} "
                    f"ORDER BY 1 DESC OFFSET %s LIMIT 1)" for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", [RECENT_ROWS] * len(models))
        return cursor.fetchone()


def _ranked(kinds, words, first, last):
    """{name: (ids ranked first..last among the kind's candidates, best first; how many candidates)}
    for every kind. PostgreSQL: one statement ranks them all (and one finds where the newest rows
    start).

    Each kind's candidates are its CANDIDATES + 1 newest matches. When there are that many among
    the table's RECENT_ROWS newest rows, they are the newest of all, and PostgreSQL reads only
    those rows (a bitmap of the word's matches ANDed with the newest ids, or the primary key walked
    backwards); otherwise (a rarer word) it takes them from all matches, of which a rarer word has
    few. Without this the planner, which multiplies the frequencies of two common words as if they
    never came together, reads every match of `trygg hemgång` (5 700 rows over 3 000 pages) to keep
    201. The second tier runs only when the first came short (a one-time filter). Only the
    candidates' stored vectors are ranked."""
    if not postgres():
        found = {}
        for name, (queryset, model_name) in kinds.items():
            ids = list(matching(queryset, model_name, words).order_by("-pk").values_list("pk", flat=True)
                       [:CANDIDATES + 1])
            found[name] = ids[first - 1:last], len(ids)
        return found
    recent_ids = _recent_ids([queryset.model for queryset, _model_name in kinds.values()])
    ctes, branches, cte_params, branch_params = [], [], [], []
    for n, ((queryset, model_name), recent_id) in enumerate(zip(kinds.values(), recent_ids, strict=True)):
        # The matches (id, vector) as the access-checked queryset gives them, compiled once; PostgreSQL
        # pulls this plain subquery up, so each tier is planned as one query with its bound.
        rows, rows_params = (matching(queryset, model_name, words).order_by().values_list("pk", "search_vector")
                             .query.sql_with_params())
        newest = f"ORDER BY id DESC LIMIT {CANDIDATES + 1}"
        every, every_params = f"SELECT id, vector FROM ({rows}) AS m(id, vector) {newest}", list(rows_params)
        if recent_id is None:
            branches.append(f"SELECT {n}, id, vector FROM ({every}) AS every_{n}(id, vector)")
            branch_params += every_params
            continue
        ctes.append(f"recent_{n}(id, vector) AS MATERIALIZED "
                    f"(SELECT id, vector FROM ({rows}) AS m(id, vector) WHERE id >= %s {newest})")
        cte_params += [*rows_params, recent_id]
        short = f"(SELECT count(*) FROM recent_{n}) <= {CANDIDATES}"
        branches.append(f"SELECT {n}, id, vector FROM recent_{n} WHERE NOT {short}")
        branches.append(f"SELECT {n}, id, vector FROM ({every}) AS every_{n}(id, vector) WHERE {short}")
        branch_params += every_params
    sql = ((f"WITH {', '.join(ctes)} " if ctes else "")
           + "SELECT kind, id, total, place FROM ("
           " SELECT kind, id, count(*) OVER (PARTITION BY kind) AS total, row_number() OVER (PARTITION BY kind"
           " ORDER BY ts_rank(vector, websearch_to_tsquery(%s::regconfig, %s)) DESC, id DESC) AS place"
           f" FROM ({' UNION ALL '.join(branches)}) AS candidates(kind, id, vector)"
           ") AS ranked WHERE place = 1 OR place BETWEEN %s AND %s ORDER BY kind, place")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*cte_params, CONFIG, words, *branch_params, first, last])
        rows = cursor.fetchall()
    names = list(kinds)
    found = {name: ([], 0) for name in names}
    for kind, pk, total, place in rows:
        ids, _total = found[names[kind]]
        found[names[kind]] = (ids + [pk] if first <= place <= last else ids, total)
    return found


def found_all(kinds, words, *, page=1, per_page=10):
    """{name: Found}: a page of each kind's best matches, with the bounded count. `kinds` maps a
    name to (access-checked queryset, model name, fetch), fetch(ids) giving {id: row to show}.
    PostgreSQL: one statement ranks every kind; one per kind fetches the rows shown. A page past the
    last (an old link) shows the last."""
    def ranked(names, number):
        first = (number - 1) * per_page + 1
        return _ranked({name: kinds[name][:2] for name in names}, words, first,
                       min(first + per_page - 1, CANDIDATES))

    def last_page(total):
        return max(1, -(-min(total, CANDIDATES) // per_page))

    page = max(1, min(page, -(-CANDIDATES // per_page)))
    pages = {name: page for name in kinds}
    found = ranked(kinds, page)
    beyond = [name for name, (_ids, total) in found.items() if page > last_page(total)]
    for name in beyond:
        pages[name] = last_page(found[name][1])
        found[name] = ranked([name], pages[name])[name]
    results = {}
    for name, (ids, total) in found.items():
        by_id = kinds[name][2](ids) if ids else {}
        count = min(total, CANDIDATES)
        results[name] = Found(rows=[by_id[pk] for pk in ids if pk in by_id], count=count, more=total > CANDIDATES,
                              page=pages[name], pages=last_page(total))
    return results
