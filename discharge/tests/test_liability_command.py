"""`manage.py liability` with the file formats of svu.md: a worked month, and bad files refused whole
with every bad row reported by line number and exit status 2."""

import csv
import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.tests.hostile import FORMULAS, assert_no_formula, is_neutralised
from discharge import exports
from discharge.liability_files import read_agreement, read_events
from discharge.rules.liability import Month, calculate_month

HEADER = ("case_id,municipality_code,care_type,admitted_at,admission_notice_sent_at,ready_notice_sent_at,"
          "discharged_at,care_contact_appointed,patient_objected")

AVERAGE_AGREEMENT = '''
name = "Exempel: genomsnittsmodell med dygnsbryt 12"
model = "average"
day_break = "12:00"
count_discharge_day = false
admission_notice_max_hours = 24

[daily_amount_sek]
"2022" = 9300
"2023" = 9300

[somatic]
free_days = 3
average_limit_days = 2.8
long_stay_days = 30

[psychiatric]
free_days = 30
average_limit_days = 5
'''

INDIVIDUAL_AGREEMENT = '''
model = "individual"
day_break = "00:00"
[daily_amount_sek]
"2023" = 9300
[somatic]
free_days = 3
[psychiatric]
free_days = 30
'''


def run(tmp_path, events, agreement=AVERAGE_AGREEMENT, month="2023-03"):
    (tmp_path / "events.csv").write_text(events, encoding="utf-8")
    (tmp_path / "agreement.toml").write_text(agreement, encoding="utf-8")
    err = io.StringIO()
    call_command("liability", events=str(tmp_path / "events.csv"), agreement=str(tmp_path / "agreement.toml"),
                 month=month, per_case=str(tmp_path / "cases.csv"), summary=str(tmp_path / "summary.csv"),
                 stdout=io.StringIO(), stderr=err)
    return read(tmp_path / "cases.csv"), read(tmp_path / "summary.csv")


def read(path):
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def refused(tmp_path, events, agreement=AVERAGE_AGREEMENT, month="2023-03"):
    (tmp_path / "events.csv").write_text(events, encoding="utf-8")
    (tmp_path / "agreement.toml").write_text(agreement, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("liability", events=str(tmp_path / "events.csv"), agreement=str(tmp_path / "agreement.toml"),
                     month=month, per_case=str(tmp_path / "cases.csv"), summary=str(tmp_path / "summary.csv"),
                     stdout=io.StringIO(), stderr=err)
    assert raised.value.returncode == 2
    assert not (tmp_path / "cases.csv").exists() and not (tmp_path / "summary.csv").exists()
    return err.getvalue() + str(raised.value)


def test_a_month_in_the_average_model_with_a_long_stayer(tmp_path):
    events = "\n".join([
        # Columns in another order than the spec lists them: allowed.
        "patient_objected,care_contact_appointed,discharged_at,ready_notice_sent_at,admission_notice_sent_at,"
        "admitted_at,care_type,municipality_code,case_id",
        "nej,ja,2023-03-10 09:00,2023-03-05 11:59,2023-03-01 10:00,2023-03-01 08:00,somatisk,1280,B",
        "no,yes,2023-03-10 09:00,2023-03-05 12:00,2023-03-01 10:00,2023-03-01 08:00,somatic,1280,A",
        "0,1,2023-03-20 10:00,2023-02-01T10:00:00+01:00,2023-01-25 09:00,2023-01-25 08:00,somatic,1280,L",
        "yes,yes,2023-03-02 10:00,2023-03-01 10:00,2023-02-27 09:00,2023-02-27 08:00,somatic,1280,O",
        "false,true,,2023-02-05 12:00,2023-02-01 10:00,2023-02-01 08:00,psykiatrisk,1281,P",
    ]) + "\n"
    cases, summary = run(tmp_path, events)
    assert [(c["case_id"], c["day0"], c["discharge_day"], c["ready_days"], c["eligible"], c["reason"], c["rule"],
             c["liable_days"], c["amount_sek"]) for c in cases] == [
        ("A", "2023-03-06", "2023-03-10", "4", "yes", "", "average", "0", "0"),
        ("B", "2023-03-05", "2023-03-10", "5", "yes", "", "average", "0", "0"),
        ("L", "2023-02-01", "2023-03-20", "47", "yes", "", "long_stay", "44", str(44 * 9300)),
        ("O", "2023-03-01", "2023-03-02", "1", "no", "patient_objected", "average", "0", "0"),
        ("P", "2023-02-06", "", "", "yes", "", "average", "0", "0"),
    ]
    assert summary == [
        {"municipality_code": "1280", "month": "2023-03", "care_type": "somatic", "cases": "4", "eligible_cases": "3",
         # A and B: T = 9, n = 2, 9 - 5.6 = 3.4 -> 3; plus L's 44.
         "mean_ready_days": "4.50", "liable_days": "47", "amount_sek": str(47 * 9300)},
        {"municipality_code": "1281", "month": "2023-03", "care_type": "psychiatric", "cases": "1",
         "eligible_cases": "1", "mean_ready_days": "", "liable_days": "0", "amount_sek": "0"},
    ]


def test_summary_sorts_psychiatric_before_somatic_within_a_municipality(tmp_path):
    events = HEADER + "\n" + "\n".join([
        "S,1280,somatic,2023-03-01 08:00,2023-03-01 09:00,2023-03-02 10:00,2023-03-10 10:00,yes,no",
        "P,1280,psychiatric,2023-03-01 08:00,2023-03-01 09:00,2023-03-02 10:00,2023-03-10 10:00,yes,no",
        "Q,0114,somatic,2023-03-01 08:00,2023-03-01 09:00,2023-03-02 10:00,2023-03-03 10:00,yes,no",
    ]) + "\n"
    cases, summary = run(tmp_path, events, INDIVIDUAL_AGREEMENT)
    assert [(s["municipality_code"], s["care_type"]) for s in summary] == [
        ("0114", "somatic"), ("1280", "psychiatric"), ("1280", "somatic")]
    # S: day 0 = 2 March, liable 5..9 March = 5 days; P: 30 free days, none in March.
    assert {c["case_id"]: c["liable_days"] for c in cases} == {"P": "0", "Q": "0", "S": "5"}
    assert summary[2]["amount_sek"] == str(5 * 9300) and summary[2]["mean_ready_days"] == "8.00"


def test_wrong_header_is_refused(tmp_path):
    message = refused(tmp_path, "case_id,municipality,care_type\nA,1280,somatic\n")
    assert ":1: Kolumn saknas: municipality_code" in message and "Okänd kolumn: municipality" in message


def test_every_bad_row_is_reported_with_its_line_number(tmp_path):
    events = HEADER + "\n" + "\n".join([
        "A,1280,somatic,2023-03-01 08:00,2023-03-01 09:00,2023-03-02 10:00,2023-03-10 10:00,yes,no",
        "B,1280,geriatric,2023-03-01 08:00,2023-03-01 09:00,2023-03-02 10:00,2023-03-10 10:00,yes,no",
        "C,128,somatic,2023-03-01 08:00,2023-03-01 09:00,2023-03-02 10:00,2023-03-10 10:00,yes,no",
        "D,1280,somatic,2023-02-30 08:00,2023-03-01 09:00,2023-03-02 10:00,2023-03-10 10:00,yes,no",
        "A,1280,somatic,2023-03-01 08:00,2023-03-01 09:00,2023-03-02 10:00,2023-03-10 10:00,yes,no",
        "E,1280,somatic,2023-03-01 08:00,2023-03-01 09:00,2023-03-26 02:30,2023-03-30 10:00,kanske,no",
        "F,1280,somatic,2023-03-01 08:00",
    ]) + "\n"
    message = refused(tmp_path, events)
    assert "events.csv:3: care_type 'geriatric'" in message
    assert "events.csv:4: municipality_code '128'" in message
    assert "events.csv:5: admitted_at: '2023-02-30 08:00' är ingen tidpunkt" in message
    assert "events.csv:6: case_id 'A' finns redan på rad 2" in message
    assert "events.csv:7: ready_notice_sent_at: '2023-03-26 02:30' finns inte i svensk tid" in message
    assert "care_contact_appointed: 'kanske'" in message
    assert "events.csv:8: 4 fält" in message
    assert ":2:" not in message


def test_out_of_order_times_in_a_row_are_refused(tmp_path):
    events = HEADER + "\nA,1280,somatic,2023-03-05 08:00,2023-03-05 09:00,2023-03-02 10:00,2023-03-10 10:00,yes,no\n"
    assert "ready_notice_sent_at är före admitted_at" in refused(tmp_path, events)


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    (tmp_path / "events.csv").write_bytes((HEADER + "\nÅ,1280,somatic,,,,,yes,no\n").encode("latin-1"))
    (tmp_path / "agreement.toml").write_text(AVERAGE_AGREEMENT, encoding="utf-8")
    errors = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("liability", events=str(tmp_path / "events.csv"), agreement=str(tmp_path / "agreement.toml"),
                     month="2023-03", per_case=str(tmp_path / "c.csv"), summary=str(tmp_path / "s.csv"),
                     stderr=errors)
    assert raised.value.returncode == 2 and "events.csv: filen är inte UTF-8." in errors.getvalue()


ONE_CASE = HEADER + "\nA,1280,somatic,2023-03-01 08:00,2023-03-01 09:00,2023-03-02 10:00,2023-03-10 10:00,yes,no\n"


@pytest.mark.parametrize("agreement, expected", [
    ('model = "weekly"\n[somatic]\nfree_days = 3\n', "model ska vara"),
    ('model = "individual"\nday_break = "12"\n[somatic]\nfree_days = 3\n', "day_break ska vara"),
    ('model = "average"\n[somatic]\nfree_days = 3\n', "average_limit_days krävs"),
    ('model = "individual"\n[somatic]\nfree_day = 3\n', "okänd nyckel 'free_day'"),
    ('model = "individual"\n[daily_amount_sek]\n"2023" = 93.5\n[somatic]\nfree_days = 3\n', "hela kronor"),
    ('model = "individual"\n[somatic\n', "Ogiltig TOML"),
])
def test_bad_agreements_are_refused(tmp_path, agreement, expected):
    assert expected in refused(tmp_path, ONE_CASE, agreement)


def test_an_agreement_missing_the_months_year_is_refused(tmp_path):
    assert "saknar belopp per dygn för 2024" in refused(tmp_path, ONE_CASE, INDIVIDUAL_AGREEMENT, month="2024-03")


def test_a_care_type_without_rules_in_the_agreement_is_refused(tmp_path):
    agreement = 'model = "individual"\n[daily_amount_sek]\n"2023" = 9300\n[somatic]\nfree_days = 3\n'
    events = HEADER + "\nA,1280,psychiatric,2023-03-01 08:00,2023-03-01 09:00,2023-03-02 10:00,,yes,no\n"
    assert "saknar regler för vårdformen psychiatric" in refused(tmp_path, events, agreement)


@pytest.mark.parametrize("month, expected", [("2023-3", "ÅÅÅÅ-MM"), ("mars", "ÅÅÅÅ-MM"),
                                             ("2023-13", "Ingen sådan månad")])
def test_a_bad_month_is_refused(tmp_path, month, expected):
    assert expected in refused(tmp_path, ONE_CASE, month=month)


@pytest.mark.parametrize("case_id", FORMULAS[:4])
def test_a_case_id_a_spreadsheet_would_run_is_written_as_text_by_the_command_and_the_basis(tmp_path, case_id):
    """The tab and carriage return of FORMULAS cannot reach the files: input cells are stripped."""
    events = io.StringIO()
    writer = csv.writer(events, lineterminator="\n")
    writer.writerow(HEADER.split(","))
    writer.writerow([case_id, "1280", "somatic", "2023-03-01 08:00", "2023-03-01 09:00", "2023-03-05 13:00",
                     "2023-03-20 10:00", "yes", "no"])
    cases, summary = run(tmp_path, events.getvalue(), INDIVIDUAL_AGREEMENT)
    assert_no_formula(cases)
    assert_no_formula(summary)
    (row,) = cases
    # Day 0 = 5 March, 3 free days: 8 to 19 March are liable.
    assert is_neutralised(row["case_id"], case_id) and row["amount_sek"] == str(12 * 9300)
    # The invoice basis downloads write the same rows with the same writer.
    result = calculate_month(read_events(events.getvalue()), read_agreement(INDIVIDUAL_AGREEMENT), Month(2023, 3))
    basis = SimpleNamespace(result=result)
    (basis_row,) = csv.DictReader(io.StringIO(exports.basis_cases_csv(basis).decode()))
    assert basis_row == row
    assert list(csv.DictReader(io.StringIO(exports.basis_summary_csv(basis).decode()))) == summary
