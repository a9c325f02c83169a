"""The resident's own log page (Mina sidor, "Vem har läst mina uppgifter?"): grouped per day, person
and event in SQL, newest first, 50 lines a page with a link to older ones, every row counted once
across the pages, only the resident's own rows, in plain Swedish. The staff's extract keeps every row."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core import queries
from core.audit import actor_columns
from core.models import AuditEvent
from core.tests.factories import make_actor, make_resident, make_unit

pytestmark = pytest.mark.django_db

LOG_URL = reverse("core:portal_access_log")


def read_rows(patient, staff, days, per_day, *, action="patient.read", hours=8):
    """`per_day` reads by each of `staff` on each of the last `days` days (spread over `hours` hours).
    The last ends at 20:00 yesterday, Swedish time: counted back from the clock, a test run just after
    midnight split a day's reads over two days (the page groups by day)."""
    now = timezone.localtime().replace(hour=20, minute=0, second=0, microsecond=0) - timedelta(days=1)
    rows = []
    for day in range(days):
        for k, actor in enumerate(staff):
            for n in range(per_day):
                at = now - timedelta(days=day, minutes=1 + n * hours * 60 // max(per_day, 1), seconds=k)
                rows.append(AuditEvent(
                    at=at, kind=AuditEvent.Kind.READ, action=action, object_type="core.patient",
                    object_id=str(patient.pk), patient=patient, basis=AuditEvent.Basis.RELATION,
                    reason="Vårdrelation", endpoint="core:patient_detail", **actor_columns(actor)))
    AuditEvent.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def lines_of(page):
    return re.findall(r"<tr>\s*<td class=\"nowrap\" data-label=\"När\">", page)


def older_link(page):
    found = re.search(r'href="\?([^"]*fore=\d+)" rel="next"', page)
    return "?" + found.group(1).replace("&amp;", "&") if found else None


def counts(page):
    """The count of each line: "N gånger", or 1."""
    rows = page.split('data-label="När"')[1:]
    return [int(m.group(1)) if (m := re.search(r"(\d+) gånger", row)) else 1 for row in rows]


def counts_of_all_pages(client, most=10):
    """The counts of every line, following "Äldre händelser" from the first page to the last."""
    link, seen = "", []
    for _ in range(most):
        page = client.get(LOG_URL + link).content.decode()
        seen += counts(page)
        link = older_link(page)
        if not link:
            return seen
    raise AssertionError(f"more than {most} pages")


def test_a_resident_with_a_long_log_sees_50_lines_newest_first_and_a_link_to_older(client):
    resident = make_resident()
    staff = [make_actor(unit=make_unit(name=f"Avdelning {n}")) for n in range(5)]
    total = read_rows(resident.patient, staff, days=40, per_day=5)  # 200 lines of a day and person
    client.force_login(resident)
    page = client.get(LOG_URL).content.decode()
    assert len(lines_of(page)) == 50  # ten whole days of five people
    assert "5 gånger" in page
    link = older_link(page)
    assert link and "Äldre händelser" in page
    # Following the links walks the whole log back to its start, every row counted exactly once.
    seen = counts(page)
    pages = 1
    while link:
        page = client.get(LOG_URL + link).content.decode()
        seen += counts(page)
        link = older_link(page)
        pages += 1
        assert pages < 10
    assert sum(seen) == total and len(seen) == 200  # no day and person split over two pages
    assert "Det finns inga äldre händelser" not in page


def test_a_day_read_more_often_than_a_page_groups_continues_on_the_next_page(client, monkeypatch):
    monkeypatch.setattr(queries, "LOG_PAGE_WINDOW", 30)
    resident = make_resident()
    nurse = make_actor()
    total = read_rows(resident.patient, [nurse], days=1, per_day=100)
    client.force_login(resident)
    seen = counts_of_all_pages(client)
    assert sum(seen) == total
    assert len(seen) > 1  # the day was read more often than one page groups: it went on over pages


def test_pages_end_at_a_whole_day(client):
    resident = make_resident()
    staff = [make_actor(unit=make_unit(name=f"Avdelning {n}")) for n in range(3)]
    read_rows(resident.patient, staff, days=40, per_day=2)  # three lines a day: 16 whole days fit
    client.force_login(resident)
    page = client.get(LOG_URL).content.decode()
    assert len(lines_of(page)) == 48
    assert len(lines_of(client.get(LOG_URL + older_link(page)).content.decode())) == 48


def test_another_patients_rows_never_appear(client):
    resident, other = make_resident(), make_resident()
    read_rows(other.patient, [make_actor(unit=make_unit(name="Främmande avdelningen"))], days=3, per_day=2)
    read_rows(resident.patient, [make_actor(unit=make_unit(name="Min vårdcentral"))], days=1, per_day=1)
    client.force_login(resident)
    page = client.get(LOG_URL).content.decode()
    assert "Min vårdcentral" in page and "Främmande avdelningen" not in page
    # A cursor from the URL only moves the page in the resident's own log.
    page = client.get(LOG_URL + f"?fore={10**16}").content.decode()
    assert "Främmande avdelningen" not in page


def test_the_lines_speak_plain_swedish(client):
    resident = make_resident()
    read_rows(resident.patient, [make_actor()], days=2, per_day=3)
    read_rows(resident.patient, [make_actor()], days=1, per_day=1, action="discharge.case.read")
    client.force_login(resident)
    page = client.get(LOG_URL).content.decode()
    assert "Öppnade patientuppgifterna" in page and "Vårdrelation" in page
    assert not re.search(r"\b(patient|discharge|core|access_log)\.\w+", page)


def test_views_of_the_page_for_other_periods_are_one_line(client):
    client.force_login(make_resident())
    client.get(LOG_URL + "?date_from=2020-01-01&date_to=2020-01-31")
    client.get(LOG_URL + "?date_from=2021-01-01&date_to=2021-01-31")
    page = client.get(LOG_URL).content.decode()
    assert len(lines_of(page)) == 1 and "2 gånger" in page and "Egen inloggning" in page


def test_an_emergency_access_shows_its_reason(client):
    resident = make_resident()
    nurse = make_actor()
    AuditEvent.objects.create(kind=AuditEvent.Kind.READ, action="patient.read", patient=resident.patient,
                              basis=AuditEvent.Basis.EMERGENCY, reason="Medvetslös vid ankomst", **actor_columns(nurse))
    client.force_login(resident)
    page = client.get(LOG_URL).content.decode()
    assert "Nödåtkomst" in page and "Medvetslös vid ankomst" in page


def test_an_empty_log_says_so(client):
    client.force_login(make_resident())
    page = client.get(LOG_URL).content.decode()
    assert "Ingen har tagit del av dina uppgifter under perioden." in page
    assert older_link(page) is None


def test_the_period_form_shows_what_each_request_asked_for(client):
    # The form's HTML is kept per period asked (the page's template caches it): each request must
    # still see its own dates and its own errors, whoever asked for another period before.
    client.force_login(make_resident())
    today = timezone.localdate()
    asked = [{}, {"date_from": "2026-01-05", "date_to": "2026-02-06"}, {"date_from": "2026-13-01", "date_to": "x"},
             {"date_from": "2026-02-06", "date_to": "2026-01-05"}, {"fore": "1"}, {}]
    for query in asked:
        page = client.get(LOG_URL, query).content.decode()
        values = re.findall(r'<input type="date" name="(date_from|date_to)" value="([^"]*)"', page)
        if query.keys() & {"date_from", "date_to"}:
            assert values == [("date_from", query["date_from"]), ("date_to", query["date_to"])]
        elif not query:
            assert values == [("date_from", f"{today - timedelta(days=365):%Y-%m-%d}"),
                              ("date_to", f"{today:%Y-%m-%d}")]
        errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*><li>([^<]*)</li>', page)
        if query.get("date_to") == "x":
            assert errors == ["Fyll i ett giltigt datum.", "Fyll i ett giltigt datum."]
        elif query.get("date_from") == "2026-02-06":
            assert errors == ["Slutdatum kan inte ligga före startdatum."]
        elif query == {"fore": "1"}:
            assert len(errors) == 2  # both dates asked for and missing
        else:
            assert errors == []


def test_the_page_is_logged_as_a_read_of_the_resident(client):
    resident = make_resident()
    client.force_login(resident)
    client.get(LOG_URL)
    event = AuditEvent.objects.get(action="access_log.view")
    assert (event.patient_id, event.basis) == (resident.patient_id, AuditEvent.Basis.OWN)


def test_the_page_does_not_read_the_whole_extract(client, monkeypatch):
    def whole_extract(*args, **kwargs):
        raise AssertionError("the resident's page read every row")

    resident = make_resident()
    read_rows(resident.patient, [make_actor()], days=2, per_day=2)
    monkeypatch.setattr(queries, "access_log_extract", whole_extract)
    client.force_login(resident)
    assert client.get(LOG_URL).status_code == 200


def test_the_staff_extract_still_gives_every_row_with_what_its_lines_show():
    resident, other = make_resident(), make_resident()
    total = read_rows(resident.patient, [make_actor(), make_actor()], days=30, per_day=3)
    read_rows(other.patient, [make_actor()], days=3, per_day=2)
    today = timezone.localdate()
    events = list(queries.access_log_extract(resident.patient, today - timedelta(days=365), today))
    assert len(events) == total
    expected = AuditEvent.objects.filter(patient=resident.patient).order_by("-at", "-id")
    assert [tuple(e) for e in events] == [tuple(getattr(row, f) for f in queries.EXTRACT_FIELDS) for row in expected]


def _rows_scanned(plan):
    """Rows the plan's scans of the audit log read: returned plus removed by a filter, all nodes."""
    own = plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0) if "Scan" in plan["Node Type"] else 0
    return own + sum(_rows_scanned(child) for child in plan.get("Plans", []))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_page_reads_one_window_of_the_resident_s_rows_whatever_the_statistics_say(client):
    # The resident's reads were all the log when it was last analysed, so the planner takes them for
    # common; then others are read a lot. A plan by the `at` index, filtering by patient, would read
    # every other row since the window's edge.
    resident, other = make_resident(), make_resident()
    read_rows(resident.patient, [make_actor()], days=1, per_day=600)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_auditevent")
    nurse, now = make_actor(), timezone.now()
    AuditEvent.objects.bulk_create([AuditEvent(
        at=now - timedelta(seconds=30) + timedelta(microseconds=n), kind=AuditEvent.Kind.READ, action="patient.read",
        object_type="core.patient", object_id=str(other.patient.pk), patient=other.patient,
        basis=AuditEvent.Basis.RELATION, reason="Vårdrelation", endpoint="core:patient_detail",
        **actor_columns(nurse)) for n in range(20_000)], batch_size=5000)
    client.force_login(resident)
    assert client.get(LOG_URL).status_code == 200
    # The page's one read of the log, at the first page's bounds.
    start, end = queries._day_bounds(timezone.localdate() - timedelta(days=365), timezone.localdate())
    end = min(end, timezone.now() + queries.LOG_CLOCK_MARGIN)
    window = queries._window_query(resident.patient.pk, start, end).values_list(*queries._WINDOW_FIELDS)
    sql, params = window.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        scanned = _rows_scanned(cursor.fetchone()[0][0]["Plan"])
    assert scanned == queries.LOG_PAGE_WINDOW


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_the_page_s_read_of_the_log_is_never_prepared(client):
    # Prepared, PostgreSQL may plan it once for any values (after five runs): that plan read all the
    # patient's rows by time and sorted them (730 ms for 450 000 rows).
    resident = make_resident()
    read_rows(resident.patient, [make_actor()], days=1, per_day=3)
    client.force_login(resident)
    for _ in range(8):
        assert client.get(LOG_URL).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%(patient_id, at) >=%"])
        assert cursor.fetchone()[0] == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the window's SQL is compiled on PostgreSQL only")
def test_the_compiled_window_reads_what_its_query_reads(monkeypatch):
    resident, other = make_resident(), make_resident()
    read_rows(resident.patient, [make_actor(), make_actor()], days=3, per_day=4)
    read_rows(other.patient, [make_actor()], days=3, per_day=4)
    today = timezone.localdate()
    start, end = queries._day_bounds(today - timedelta(days=30), today)
    for window in (queries.LOG_PAGE_WINDOW, 5):
        monkeypatch.setattr(queries, "LOG_PAGE_WINDOW", window)
        for every_row in (False, True):
            query = queries._window_query(resident.patient_id, start, end, every_row=every_row)
            expected = [tuple(row) for row in query.values_list(*queries._WINDOW_FIELDS)]
            assert queries._window_rows(resident.patient_id, start, end, every_row=every_row) == expected
            assert len(expected) == (24 if every_row or window > 24 else window)


def test_rows_of_one_moment_beyond_a_window_are_on_a_page(client, monkeypatch):
    # One request may log more of a patient's rows than a window holds, all at one moment (a list's
    # rows share their `at`): none of them may fall between two pages.
    monkeypatch.setattr(queries, "LOG_PAGE_WINDOW", 30)
    resident = make_resident()
    nurse = make_actor()
    total = read_rows(resident.patient, [nurse], days=3, per_day=5)
    moment = timezone.now() - timedelta(hours=1)
    AuditEvent.objects.bulk_create([AuditEvent(
        at=moment, kind=AuditEvent.Kind.READ, action="booking.list", object_type="meetings.booking",
        object_id=str(n), patient=resident.patient, basis=AuditEvent.Basis.RELATION, reason="Vårdrelation",
        endpoint="meetings:calendar", **actor_columns(nurse)) for n in range(45)])
    total += 45
    client.force_login(resident)
    seen = counts_of_all_pages(client)
    assert sum(seen) == total


def test_a_period_filled_in_is_shown_as_asked_whatever_was_asked_before(client):
    # The period form is cached only when nothing is asked: raw values joined into a key could collide
    # ("a:b" + "" against "a" + "b:").
    url = reverse("core:portal_access_log")
    client.force_login(make_resident())
    shown = re.compile(r'<input type="date" name="(date_from|date_to)" value="([^"]*)"')
    client.get(url, {"date_from": "a:b", "date_to": ""})
    page = client.get(url, {"date_from": "a", "date_to": "b:"}).content.decode()
    assert shown.findall(page) == [("date_from", "a"), ("date_to", "b:")]
