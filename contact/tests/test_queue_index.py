"""The queue page at scale: an intake unit holds tens of thousands of open matters, and the page
shows 50 at a time in queue order (flagged and waiting first, then due time). It must read them in
that order from an index and stop there, not fetch and sort every open matter of the unit
(bench/contact_bench.py measured 64 ms for that at 34,000)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contact import actions, queries
from contact.tests.factories import make_entry
from core.actor import Actor

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")]


def test_the_queue_reads_a_page_of_a_unit_s_open_matters_in_queue_order_from_an_index_without_sorting_them_all():
    setup = make_entry()
    resident = Actor.resident(setup["resident"])
    for text in ("Ont i ryggen", "Hosta sedan en vecka", "Behöver förnya receptet"):
        actions.file_matter(resident, setup["patient"], category="ongoing", description=text)
    with CaptureQueriesContext(connection) as captured:
        found = queries.queue(setup["nurse"])
    assert len(found.rows) == 3 and found.total == 3
    select = next(q["sql"] for q in captured.captured_queries
                  if q["sql"].startswith('SELECT "contact_matter"."id"'))
    with connection.cursor() as cursor:
        # With sorting priced out, the planner takes an index that gives due order if there is one.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + select)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "contact_queue_ranked" in plan, plan
    assert "Sort" not in plan, plan
