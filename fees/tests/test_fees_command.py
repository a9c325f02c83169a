"""`manage.py fees` with the file formats of meetings-and-fees.md: a worked file, and bad files
refused whole with every bad row reported by line number and exit status 2."""

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.tests.hostile import FORMULAS, assert_no_formula, is_neutralised

SCHEDULE = """region = "Region Exempel"
child_free_until_age = 20     # younger than this on the visit date: free
free_from_age = 85            # this age or older on the visit date: free
no_show_fee = 400             # also for a late cancellation
ceiling_share = 0.025         # of the prisbasbelopp, rounded down to whole fifties

[prisbasbelopp]
"2024" = 57300
"2025" = 58800

[fees.lakarbesok]
physical = 300
phone = 300
video = 300

[fees.sip]
physical = 0
phone = 0
video = 0
"""
HEADER = "visit_id,personnummer,date,visit_kind,form,outcome"
# 19700615-1232 is an adult; 20100101-1236 a child; the columns may come in any order.
VISITS = """outcome,visit_id,date,personnummer,visit_kind,form
attended,A5,2024-05-01,19700615-1232,lakarbesok,video
attended,A1,2024-03-01,197006151232,lakarbesok,physical
attended,A2,2024-03-08,700615-1232,lakarbesok,phone
attended,A3,2024-03-15,19700615-1232,lakarbesok,physical
attended,A4,2024-03-22,19700615-1232,lakarbesok,physical
no_show,A6,2024-05-02,19700615-1232,lakarbesok,physical
attended,A7,2024-05-03,19700615-1232,sip,video
attended,B1,2024-03-01,20100101-1236,lakarbesok,physical
"""


def run(tmp_path, visits, schedule=SCHEDULE):
    (tmp_path / "visits.csv").write_text(visits, encoding="utf-8")
    (tmp_path / "schedule.toml").write_text(schedule, encoding="utf-8")
    out, errors = io.StringIO(), io.StringIO()
    call_command("fees", visits=str(tmp_path / "visits.csv"), schedule=str(tmp_path / "schedule.toml"),
                 charges=str(tmp_path / "out.csv"), stdout=out, stderr=errors)
    return list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text(encoding="utf-8")))), out.getvalue()


def refused(tmp_path, visits, schedule=SCHEDULE):
    errors = io.StringIO()
    with pytest.raises(CommandError) as raised:
        (tmp_path / "visits.csv").write_text(visits, encoding="utf-8")
        (tmp_path / "schedule.toml").write_text(schedule, encoding="utf-8")
        call_command("fees", visits=str(tmp_path / "visits.csv"), schedule=str(tmp_path / "schedule.toml"),
                     charges=str(tmp_path / "out.csv"), stderr=errors)
    assert raised.value.returncode == 2
    assert not (tmp_path / "out.csv").exists()
    return errors.getvalue() + str(raised.value)


def test_a_worked_file(tmp_path):
    rows, summary = run(tmp_path, VISITS)
    assert list(rows[0]) == ["visit_id", "personnummer", "fee_sek", "counts_to_ceiling", "paid_in_period_sek",
                             "free_card_until", "reason"]
    by_id = {r["visit_id"]: r for r in rows}
    assert [r["visit_id"] for r in rows] == ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "B1"]
    assert [by_id[k]["fee_sek"] for k in ("A1", "A2", "A3", "A4", "A5")] == ["300", "300", "300", "300", "200"]
    assert by_id["A5"] | {} == {"visit_id": "A5", "personnummer": "197006151232", "fee_sek": "200",
                                "counts_to_ceiling": "yes", "paid_in_period_sek": "1400",
                                "free_card_until": "2025-02-28", "reason": "ceiling_reached"}
    assert (by_id["A6"]["fee_sek"], by_id["A6"]["counts_to_ceiling"], by_id["A6"]["reason"]) == ("400", "no", "no_show")
    assert (by_id["A7"]["fee_sek"], by_id["A7"]["reason"], by_id["A7"]["free_card_until"]) == ("0", "free_card",
                                                                                              "2025-02-28")
    assert (by_id["B1"]["fee_sek"], by_id["B1"]["reason"], by_id["B1"]["paid_in_period_sek"]) == ("0", "age_exempt", "")
    assert "8 besök, 1800 kr" in summary


def test_bad_rows_are_all_reported_with_their_line_numbers(tmp_path):
    visits = HEADER + """
A1,19700615-1232,2024-03-01,lakarbesok,physical,attended
A1,19700615-1232,2024-03-02,lakarbesok,physical,attended
A3,19700615-1238,2024-03-03,lakarbesok,physical,attended
A4,19700615-1232,2024-02-30,lakarbesok,physical,attended
A5,19700615-1232,20240305,tandvard,fax,showed_up
A6,19700615-1232,2024-03-06,lakarbesok
"""
    text = refused(tmp_path, visits)
    assert "visits.csv:3: visit_id 'A1' finns redan på rad 2" in text
    assert "visits.csv:4: personnummer" in text
    assert "visits.csv:5: date '2024-02-30' är inget datum" in text
    assert "visits.csv:6: date '20240305' är inget datum" in text and "visit_kind 'tandvard'" in text
    assert "form 'fax'" in text and "outcome 'showed_up'" in text
    assert "visits.csv:7: 4 fält, rubrikraden har 6." in text


def test_a_wrong_header_is_refused(tmp_path):
    text = refused(tmp_path, "visit_id,personnummer,datum,visit_kind,form,outcome,extra\n")
    assert "Kolumn saknas: date." in text and "Okänd kolumn: datum, extra." in text


def test_a_bad_schedule_is_refused_with_every_problem(tmp_path):
    schedule = "unknown = 1\n" + SCHEDULE.replace('ceiling_share = 0.025', 'ceiling_share = 2.5').replace(
        "video = 300", "").replace('"2025" = 58800', '"2025" = "58800"')
    text = refused(tmp_path, VISITS, schedule)
    for expected in ("ceiling_share ska vara en andel", "[fees.lakarbesok]: avgift saknas för video",
                     "prisbasbelopp.2025", "Okänd nyckel 'unknown'"):
        assert expected in text


def test_a_schedule_missing_a_year_is_refused(tmp_path):
    text = refused(tmp_path, HEADER + "\nA1,19700615-1232,2026-01-05,lakarbesok,physical,attended\n")
    assert "saknar prisbasbelopp för 2026" in text


def test_a_file_that_is_not_toml_is_refused(tmp_path):
    assert "Ogiltig TOML" in refused(tmp_path, VISITS, "region = ")


@pytest.mark.parametrize("visit_id", FORMULAS[:4])
def test_a_visit_id_a_spreadsheet_would_run_is_written_as_text(tmp_path, visit_id):
    """The tab and carriage return of FORMULAS cannot reach the file: input cells are stripped."""
    visits = io.StringIO()
    writer = csv.writer(visits, lineterminator="\n")
    writer.writerow(HEADER.split(","))
    writer.writerow([visit_id, "19700615-1232", "2024-03-01", "lakarbesok", "physical", "attended"])
    (row,), _ = run(tmp_path, visits.getvalue())
    assert_no_formula([row])
    assert is_neutralised(row["visit_id"], visit_id) and row["fee_sek"] == "300"


def test_from_the_command_line_the_charges_are_written_and_the_exit_status_says_so(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings

    (tmp_path / "visits.csv").write_text(VISITS, encoding="utf-8")
    (tmp_path / "schedule.toml").write_text(SCHEDULE, encoding="utf-8")
    done = subprocess.run([sys.executable, "manage.py", "fees", "--visits", str(tmp_path / "visits.csv"),
                           "--schedule", str(tmp_path / "schedule.toml"), "--charges", str(tmp_path / "out.csv"),
                           "--timings"], cwd=Path(settings.BASE_DIR), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "8 besök" in done.stdout and "calculate" in done.stderr
    assert len(list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text(encoding="utf-8"))))) == 8
    (tmp_path / "visits.csv").write_text(HEADER + "\nX1,19700615-1232,2024-13-01,lakarbesok,physical,attended\n",
                                         encoding="utf-8")
    refused_run = subprocess.run([sys.executable, "manage.py", "fees", "--visits", str(tmp_path / "visits.csv"),
                                  "--schedule", str(tmp_path / "schedule.toml"), "--charges", str(tmp_path / "x.csv")],
                                 cwd=Path(settings.BASE_DIR), capture_output=True, text=True)
    assert refused_run.returncode == 2 and not (tmp_path / "x.csv").exists()
