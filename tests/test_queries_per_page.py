"""The main pages ask the database a fixed number of statements however many rows they show (issue
14): each page is requested at two data sizes and must run as many statements at both. A page that
runs one query per row (an N+1) fails here with the two counts in the message."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.actor import Actor
from core.audit import record_read
from core.models import AuditEvent, Patient, Unit
from core.tests.factories import login, make_patient, make_resident, make_staff, make_unit
from discharge import actions as discharge_actions
from discharge.models import CaseEvent, ReadReceipt
from discharge.rules.liability import Month
from discharge.tests.factories import make_case, make_parties
from discharge.tests.test_invoicing import average_agreement, discharged_case
from meetings.models import Booking
from meetings.tests.factories import make_clinic

pytestmark = pytest.mark.django_db


def statements(client, path):
    """The statements one GET of `path` runs (asked twice: the first may set up the session)."""
    assert client.get(path).status_code == 200
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return [q["sql"] for q in captured.captured_queries]


def assert_constant(small, large):
    assert len(small) == len(large), (
        f"{len(small)} statements with few rows, {len(large)} with more:\n" + "\n".join(large))


def test_the_worklist_runs_as_many_statements_for_eight_cases_as_for_two(client):
    parties = make_parties()
    for _ in range(2):
        make_case(parties)
    login(client, parties["ward"])
    small = statements(client, reverse("discharge:worklists"))
    for _ in range(6):
        make_case(parties)
    large = statements(client, reverse("discharge:worklists"))
    assert_constant(small, large)


def case_with_messages(parties, count):
    _, case = make_case(parties)
    for n in range(count):
        discharge_actions.post_message(parties["needs"], case, text=f"Meddelande {n}")
    return case


def captured(call):
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        call()
    return [q["sql"] for q in queries.captured_queries]


def first_open(client, case):
    """The statements of the first opening of a case."""
    return captured(lambda: client.get(reverse("discharge:case", kwargs={"case_id": case.pk})))


def receipt(client, case):
    """The statements of receipting the unread messages a case page shows (its button's POST)."""
    page = client.get(reverse("discharge:case", kwargs={"case_id": case.pk})).content.decode()
    shown = [e.pk for e in CaseEvent.objects.filter(case=case) if f'name="event" value="{e.pk}"' in page]
    return captured(lambda: client.post(reverse("discharge:mark_read", kwargs={"case_id": case.pk}), {"event": shown}))


def receipt_inserts(sqls):
    # SQLite spells an insert that skips conflicts INSERT OR IGNORE, PostgreSQL ON CONFLICT DO NOTHING.
    return [sql for sql in sqls if sql.startswith("INSERT") and '"discharge_readreceipt"' in sql.split("(")[0]]


def test_opening_a_case_writes_nothing_and_receipting_ten_messages_runs_as_many_statements_as_two(client):
    parties = make_parties()
    few, many = case_with_messages(parties, 2), case_with_messages(parties, 10)
    login(client, parties["ward"])
    client.get(reverse("discharge:worklists"))  # the session is set up
    # No writes on GET: the first opening reads, logs the read (one INSERT into the audit log) and
    # receipts nothing (it did until the third round, docs/decisions.md "Read receipts").
    opened = first_open(client, many)
    assert not receipt_inserts(opened)
    assert [sql for sql in opened if not sql.startswith("SELECT")] == [
        sql for sql in opened if sql.startswith("INSERT") and '"core_auditevent"' in sql.split("(")[0]]
    small, large = receipt(client, few), receipt(client, many)
    assert_constant(small, large)
    unread = CaseEvent.objects.filter(case=many).exclude(author_unit=parties["ward"].unit)
    assert ReadReceipt.objects.filter(event__case=many, unit=parties["ward"].unit).count() == unread.count() >= 10
    assert len(receipt_inserts(large)) == 1
    # Receipted again: nothing left, so no receipt is written.
    assert not receipt_inserts(receipt(client, many))


def test_a_corrected_event_is_marked_on_the_case_page_without_a_query_per_event(client):
    parties = make_parties()
    few = case_with_messages(parties, 2)
    many = case_with_messages(parties, 8)
    login(client, parties["ward"])
    client.get(reverse("discharge:worklists"))
    small = statements(client, reverse("discharge:case", kwargs={"case_id": few.pk}))
    large = statements(client, reverse("discharge:case", kwargs={"case_id": many.pk}))
    assert_constant(small, large)


def test_the_calendar_runs_as_many_statements_for_eight_bookings_as_for_two(client):
    clinic = make_clinic()
    nurse = clinic["nurse"]
    login(client, nurse)
    first = timezone.make_aware(datetime.combine(timezone.localdate(), time(8, 0)))

    def book(n):
        for k in range(n):
            starts = first + timedelta(minutes=30 * Booking.objects.count())
            Booking.objects.create(patient=make_patient(), unit=clinic["unit"], staff=clinic["physician"].user,
                                   visit_kind=clinic["kind"], form="physical", starts_at=starts,
                                   ends_at=starts + timedelta(minutes=30), created_by=nurse.user, note=str(k))

    book(2)
    small = statements(client, reverse("meetings:calendar"))
    book(6)
    large = statements(client, reverse("meetings:calendar"))
    assert_constant(small, large)
    assert AuditEvent.objects.filter(endpoint="meetings:calendar", username=nurse.user.username).exists()


@pytest.mark.parametrize("stored", [False, True], ids=["computed", "stored"])
def test_the_invoice_basis_of_a_municipality_runs_as_many_statements_for_six_cases_as_for_two(client, stored):
    parties = make_parties()
    region = parties["ward"].unit.organisation
    average_agreement(region)
    finance = Actor.for_membership(make_staff(unit=make_unit(region, name="Regionkansliet",
                                                             kind=Unit.Kind.ADMINISTRATION), roles=["finance"]))
    login(client, finance)
    path = reverse("discharge:basis_municipality", kwargs={"month": "2026-10", "code": parties["municipality"].code})
    for day in (5, 6):
        discharged_case(parties, ready=f"2026-10-{day:02d} 11:00", discharged=f"2026-10-{day + 1:02d} 10:00")

    def measure():
        # Each row shows its patient's card, home municipality included (once a query per row).
        Patient.objects.update(home_municipality=parties["municipality"])
        if stored:
            discharge_actions.store_basis(None, region, Month(2026, 10))
        return statements(client, path)

    small = measure()
    for day in (8, 10, 12, 14):
        discharged_case(parties, ready=f"2026-10-{day:02d} 11:00", discharged=f"2026-10-{day + 1:02d} 10:00")
    large = measure()
    assert_constant(small, large)


def test_the_residents_pages_run_as_many_statements_for_eight_visits_and_log_lines_as_for_two(client):
    clinic = make_clinic()
    patient = make_patient()
    login(client, make_resident(patient))
    first = timezone.make_aware(datetime.combine(timezone.localdate(), time(8, 0))) + timedelta(days=1)

    def grow(n):
        for _ in range(n):
            starts = first + timedelta(days=Booking.objects.count())
            Booking.objects.create(patient=patient, unit=clinic["unit"], staff=clinic["physician"].user,
                                   visit_kind=clinic["kind"], form="physical", starts_at=starts,
                                   ends_at=starts + timedelta(minutes=30), created_by=clinic["nurse"].user)
            record_read(clinic["nurse"], patient, endpoint="meetings:booking", basis="relation")

    pages = [reverse(name) for name in ("core:portal", "meetings:portal_visits", "fees:portal_fees",
                                        "core:portal_access_log")]
    grow(2)
    small = {path: statements(client, path) for path in pages}
    grow(6)
    for path in pages:
        assert_constant(small[path], statements(client, path))


def test_the_residents_log_page_runs_as_many_statements_for_a_long_log_as_for_a_short_one(client):
    """A patient in care for years is read thousands of times: the resident's log page groups the
    rows in SQL and pages the groups, so its statements (and the rows it fetches) do not grow."""
    patient = make_patient()
    login(client, make_resident(patient))
    staff = [make_staff(unit=make_unit(name=f"Avdelning {n}")).user for n in range(4)]
    path = reverse("core:portal_access_log")

    def grow(days, per_day):
        now = timezone.now()
        AuditEvent.objects.bulk_create([
            AuditEvent(at=now - timedelta(days=day, minutes=n * 7, seconds=k), kind=AuditEvent.Kind.READ,
                       action="patient.read", patient=patient, basis="relation", reason="Vårdrelation",
                       username=nurse.username, user_display=nurse.display_name(), unit_name=f"Avdelning {k}")
            for day in range(days) for k, nurse in enumerate(staff) for n in range(per_day)], batch_size=1000)

    grow(2, 1)
    small = statements(client, path)
    grow(300, 10)  # 12 000 rows, 1 200 lines of a day and a person
    large = statements(client, path)
    assert_constant(small, large)
    page = client.get(path).content.decode()
    # Whole days of four staff (today also the resident's own visits to the page), up to 50 lines.
    assert 46 <= page.count('data-label="När"') <= 50 and "Äldre händelser" in page
