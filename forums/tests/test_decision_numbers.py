"""Decision numbers under concurrency: two secretaries recording decisions at the same moment each
get their own number in the forum's series, with no gap and no duplicate (PostgreSQL, real threads)."""

import threading

import pytest
from django.db import connection, connections

from forums import actions
from forums.models import Decision
from forums.tests.factories import World

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers with IMMEDIATE transactions")
def test_decisions_recorded_at_the_same_time_get_distinct_consecutive_numbers():
    world = World()
    meeting = world.meeting()
    item = actions.add_item(world.secretary, meeting, title="Beslutsärenden")
    barrier = threading.Barrier(8)
    errors = []

    def decide(n):
        try:
            barrier.wait()
            actions.record_decision(world.secretary, item, f"Beslut nummer {n}.")
        except Exception as error:  # noqa: BLE001 - any failure is the finding
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(Decision.objects.values_list("number", flat=True)) == list(range(1, 9))
