"""A read compiled once (core.db.CompiledRead) answers as the ORM's values_list does: the same
rows, the same Python values (JSON, times, ids), the constants of the query kept, each call's
argument in its marker's place."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.db import CompiledRead
from core.models import ApiToken, Membership, Patient
from core.queries import patient_by_id
from core.tests.factories import make_api_token, make_municipality, make_patient, make_staff

pytestmark = pytest.mark.django_db

FIELDS = ("pk", "roles", "membership__roles", "created_at", "revoked_at", "membership__user__username",
          "membership__unit__organisation__name")


def active_keys(prefix):
    return ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True, membership__active=True)


keys_by_prefix = CompiledRead(lambda prefix: active_keys(prefix).values_list(*FIELDS).order_by("pk"),
                              (ApiToken._meta.get_field("prefix"), "marker-pfx"))


def test_a_compiled_read_gives_the_orms_values_for_every_argument():
    tokens = [make_api_token(make_staff(roles=roles))[0] for roles in (["clinical"], ["clinical", "coordinator"])]
    Membership.objects.filter(pk=tokens[1].membership_id).update(active=False)  # a constant of the query: refused
    for token in tokens + [None]:
        prefix = token.prefix if token else "smv_nothing"
        expected = [list(row) for row in active_keys(prefix).values_list(*FIELDS).order_by("pk")]
        assert keys_by_prefix.rows(prefix) == expected
    assert keys_by_prefix.first(tokens[0].prefix)[1] == ["clinical"]  # JSON as a list, not text
    assert keys_by_prefix.first(tokens[1].prefix) is None
    assert keys_by_prefix.first(tokens[0].prefix)[3] == ApiToken.objects.get(pk=tokens[0].pk).created_at


def test_an_id_argument_is_prepared_as_its_field_prepares_it():
    patients = [make_patient(), make_patient()]
    read = CompiledRead(lambda pk: Patient.objects.filter(pk=pk).values_list("pk", "birth_date"),
                        (Patient._meta.pk, uuid.UUID(int=7)))
    for patient in patients:
        assert read.rows(patient.pk) == [[patient.pk, patient.birth_date]]
    assert read.rows(uuid.uuid4()) == []


def test_each_call_is_one_statement_and_the_query_is_compiled_once(monkeypatch):
    token, _raw = make_api_token(make_staff())
    keys_by_prefix.rows(token.prefix)
    built = []
    monkeypatch.setattr(keys_by_prefix, "_build", lambda *a: built.append(a))
    with CaptureQueriesContext(connection) as captured:
        assert keys_by_prefix.first(token.prefix)[0] == token.pk
        assert keys_by_prefix.first("smv_other") is None
    assert len(captured) == 2 and not built


def test_a_marker_missing_from_the_query_is_refused_when_it_is_compiled():
    since = timezone.now() - timedelta(days=1)
    # The marker is a time, but the query compares it with a different, derived value.
    read = CompiledRead(lambda moment: ApiToken.objects.filter(created_at__gte=moment + timedelta(hours=1))
                        .values_list("pk"), (ApiToken._meta.get_field("created_at"), since))
    with pytest.raises(ValueError, match="not among the query's parameters"):
        read.rows(since)


def test_a_patient_is_read_whole_with_their_home_municipality_in_one_statement():
    with_home, without = make_patient(home_municipality=make_municipality()), make_patient()
    for patient in (with_home, without):
        expected = Patient.objects.select_related("home_municipality").get(pk=patient.pk)
        with CaptureQueriesContext(connection) as captured:
            found = patient_by_id(str(patient.pk))
            values = {field.attname: getattr(found, field.attname) for field in Patient._meta.concrete_fields}
            home = found.home_municipality and (found.home_municipality.name, found.home_municipality.kind)
        assert len(captured) == 1
        assert values == {field.attname: getattr(expected, field.attname) for field in Patient._meta.concrete_fields}
        assert home == (expected.home_municipality and (expected.home_municipality.name,
                                                        expected.home_municipality.kind))
    assert without.home_municipality is None
    assert patient_by_id(uuid.uuid4()) is None
    assert patient_by_id("not-an-id") is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_on_postgresql_a_compiled_read_is_planned_once_per_connection_not_on_every_run():
    token, _raw = make_api_token(make_staff())
    threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
    for _ in range(threshold + 1):
        assert keys_by_prefix.first(token.prefix)[0] == token.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert [sql for sql in prepared if "core_apitoken" in sql and "prefix" in sql]
