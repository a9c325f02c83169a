"""Two nurses take the same matter at the same moment, on separate connections: exactly one wins.
Two retries of one API request with the same Idempotency-Key at once: one matter. PostgreSQL only
(SQLite serialises writers, so the race cannot happen there)."""

import threading

import pytest
from django.db import connection, connections

from contact import actions
from contact.models import IdempotencyRecord, Matter
from contact.tests.factories import make_entry
from core.actor import Actor
from core.errors import ActionError
from core.tests.factories import make_staff

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")]


def race(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is the finding
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_nurses_clicking_take_at_once_one_gets_it():
    setup = make_entry()
    for _round in range(5):
        matter = actions.file_matter(Actor.resident(setup["resident"]), setup["patient"], category="ongoing",
                                     description="Ont i ryggen")
        results = race(lambda m=matter: actions.take(setup["nurse"], m),
                       lambda m=matter: actions.take(setup["nurse2"], m))
        winners = [r for r in results if isinstance(r, Matter)]
        losers = [r for r in results if isinstance(r, ActionError)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert "har redan tagit ärendet" in str(losers[0])
        assert matter.events.filter(kind="taken").count() == 1


def test_concurrent_retries_with_one_idempotency_key_make_one_matter():
    setup = make_entry()
    api = Actor.for_membership(make_staff(unit=setup["intake"]))

    def send():
        return actions.file_matter_once(api, key="k-1", body={"a": 1}, patient=setup["patient"],
                                        category="ongoing", description="Ont i ryggen")

    results = race(send, send, send)
    assert all(isinstance(r, tuple) for r in results), results
    assert len({r[0].pk for r in results}) == 1 and sorted(r[1] for r in results) == [False, False, True]
    assert Matter.objects.count() == 1 and IdempotencyRecord.objects.count() == 1
