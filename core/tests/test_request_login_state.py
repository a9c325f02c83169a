"""What every staff request reads before its page — the session, the user and the acting membership —
is one statement compiled once per process, through the ids the session's row keeps as hints
(core/sessions.py); where a hint is not what the session's data names, the user and membership are read
as before (core/backends.py, core.middleware.acting_membership). Both ways must refuse exactly what
Django's and the ORM's reads refused: an expired session, an inactive or deleted user, a membership
that is inactive, in an inactive unit or organisation, or another person's."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.middleware import ACTING_MEMBERSHIP_KEY
from core.models import Membership, Session, User
from core.tests.factories import login, make_actor, make_staff

pytestmark = pytest.mark.django_db

PAGE = "core:patient_search"


def acting_unit_shown(client, actor):
    response = client.get(reverse(PAGE))
    return response.status_code == 200 and f"Arbetar för:</span> {actor.unit.name}" in response.content.decode()


def test_a_logged_in_member_of_staff_acts_for_the_unit_of_their_session(client):
    actor = make_actor()
    login(client, actor)
    assert acting_unit_shown(client, actor)


def test_an_expired_session_is_not_read(client):
    actor = make_actor()
    login(client, actor)
    Session.objects.filter(session_key=client.session.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse(PAGE))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:login"))


def test_a_deactivated_user_is_logged_out(client):
    actor = make_actor()
    login(client, actor)
    User.objects.filter(pk=actor.user.pk).update(is_active=False)
    assert client.get(reverse(PAGE))["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize("deactivate", ["membership", "unit", "organisation"])
def test_a_membership_no_longer_usable_is_not_acted_for(client, deactivate):
    actor = make_actor()
    make_staff(user=actor.user)  # a second unit: acted for when it is the only one left
    login(client, actor)
    assert acting_unit_shown(client, actor)
    target = {"membership": actor.membership, "unit": actor.unit, "organisation": actor.unit.organisation}[deactivate]
    type(target).objects.filter(pk=target.pk).update(active=False)
    assert not acting_unit_shown(client, actor)


def test_another_persons_membership_in_the_session_is_not_acted_for(client):
    actor, stranger = make_actor(), make_actor()
    make_staff(user=actor.user)
    login(client, actor)
    session = client.session
    session[ACTING_MEMBERSHIP_KEY] = stranger.membership.pk
    session.save()
    response = client.get(reverse(PAGE))
    assert response.status_code == 302 and response["Location"].startswith(reverse("core:choose_unit"))


def test_a_session_value_that_is_not_an_id_is_no_membership(client):
    actor = make_actor()
    make_staff(user=actor.user)
    login(client, actor)
    session = client.session
    session[ACTING_MEMBERSHIP_KEY] = "x; DROP TABLE core_membership"
    session.save()
    assert client.get(reverse(PAGE))["Location"].startswith(reverse("core:choose_unit"))
    assert Membership.objects.filter(pk=actor.membership.pk).exists()


def test_the_acting_membership_carries_its_unit_organisation_and_user_without_more_reads(client):
    actor = make_actor()
    login(client, actor)
    client.get(reverse(PAGE))
    without_hints(client)  # read on its own (with hints it comes with the session: the test below)
    with CaptureQueriesContext(connection) as captured:
        assert acting_unit_shown(client, actor)
    membership_reads = [q["sql"] for q in captured.captured_queries if 'FROM "core_membership"' in q["sql"]]
    assert len(membership_reads) == 1
    assert 'JOIN "core_unit"' in membership_reads[0] and 'JOIN "core_organisation"' in membership_reads[0]


def without_hints(client):
    """The session's row as a session saved before the hints were (or with hints that differ from its
    data) has it: the user and membership are read on their own."""
    Session.objects.filter(session_key=client.session.session_key).update(user=None, acting_membership=None)


def statements_of(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(PAGE))
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_session_user_and_membership_are_one_statement_and_three_without_hints(client):
    actor = make_actor()
    login(client, actor)
    client.get(reverse(PAGE))
    with_hints = statements_of(client)
    session_reads = [sql for sql in with_hints if 'FROM "core_session"' in sql]
    assert len(session_reads) == 1 and 'JOIN "core_user"' in session_reads[0] and 'JOIN "core_membership"' in session_reads[0]
    assert not [sql for sql in with_hints if 'FROM "core_user"' in sql or 'FROM "core_membership"' in sql]
    without_hints(client)
    assert acting_unit_shown(client, actor)
    assert len(statements_of(client)) == len(with_hints) + 2


def test_without_hints_a_deactivated_user_is_logged_out(client):
    actor = make_actor()
    login(client, actor)
    without_hints(client)
    User.objects.filter(pk=actor.user.pk).update(is_active=False)
    assert client.get(reverse(PAGE))["Location"].startswith(reverse("core:login"))


def test_a_deleted_user_is_logged_out(client):
    actor = make_actor()
    login(client, actor)
    session_key = client.session.session_key
    user_id = actor.user.pk
    Membership.objects.filter(user_id=user_id).delete()
    User.objects.filter(pk=user_id).delete()
    assert Session.objects.get(session_key=session_key).user_id == user_id  # the hint outlives its user
    assert client.get(reverse(PAGE))["Location"].startswith(reverse("core:login"))


@pytest.mark.parametrize("deactivate", ["membership", "unit", "organisation"])
def test_without_hints_a_membership_no_longer_usable_is_not_acted_for(client, deactivate):
    actor = make_actor()
    make_staff(user=actor.user)
    login(client, actor)
    assert acting_unit_shown(client, actor)
    without_hints(client)
    target = {"membership": actor.membership, "unit": actor.unit, "organisation": actor.unit.organisation}[deactivate]
    type(target).objects.filter(pk=target.pk).update(active=False)
    assert not acting_unit_shown(client, actor)


def test_a_hint_of_another_user_is_not_used(client):
    actor, stranger = make_actor(), make_actor()
    login(client, actor)
    # The stranger's ids in the hints: the data's user is the one logged in, and acts for their own unit.
    Session.objects.filter(session_key=client.session.session_key).update(
        user=stranger.user, acting_membership=stranger.membership)
    assert acting_unit_shown(client, actor)
    assert stranger.unit.name not in client.get(reverse(PAGE)).content.decode()


def test_a_deleted_membership_in_the_session_is_not_acted_for(client):
    actor = make_actor()
    other = make_staff(user=actor.user)
    login(client, actor)
    assert acting_unit_shown(client, actor)
    Membership.objects.filter(pk=actor.membership.pk).delete()
    # The only membership left is acted for instead.
    response = client.get(reverse(PAGE))
    assert f"Arbetar för:</span> {other.unit.name}" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_move_to_core_session_takes_the_logged_in_along_and_leaves_no_old_session_valid():
    # A server still on the old code, or a rollback, must not honour a session from before the move.
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("core", "0011_patient_listing")], [("core", "0012_session_with_user_and_membership")]
    expire = timezone.now() + timedelta(hours=1)
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO django_session (session_key, session_data, expire_date) VALUES (%s, %s, %s)",
                           ["k" * 32, "data", expire])
        executor.loader.build_graph()
        executor.migrate(after)
        with connection.cursor() as cursor:
            cursor.execute("SELECT session_key, session_data, expire_date, user_id FROM core_session")
            assert cursor.fetchall() == [("k" * 32, "data", expire, None)]
            cursor.execute("SELECT count(*) FROM django_session")
            assert cursor.fetchone() == (0,)
        executor.loader.build_graph()
        executor.migrate(before)  # backward: the sessions go back where the old code reads them
        with connection.cursor() as cursor:
            cursor.execute("SELECT session_key FROM django_session")
            assert cursor.fetchall() == [("k" * 32,)]
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
