"""The `fees` command's fast path (fees/batch.py) answers byte for byte as the exact,
row-by-row path, and leaves every file it might read differently to that path."""

import random
from datetime import date, timedelta

import pytest

from core.rules.identity import make_personal_number
from fees import batch as fee_batch
from fees.files import charges_csv, read_schedule, read_visits
from fees.rules import calculate_charges
from fees.tests.test_fees_command import SCHEDULE, VISITS, run

KINDS = ["lakarbesok", "sip"]


def exact(text, schedule):
    charges = calculate_charges(read_visits(text, schedule), schedule)
    return charges_csv(charges), len(charges), sum(c.fee_sek for c in charges)


def random_file(seed, visits=3000):
    """People written in all three ways, children, the old, ids in no order (some a spreadsheet would
    run, some beyond ASCII), visits over two years, columns shuffled."""
    rng = random.Random(seed)
    people = []
    for n in range(max(1, visits // 4)):
        born = date(1930, 1, 1) + timedelta(days=rng.randrange(365 * 94))
        canonical = make_personal_number(born, n % 998 + 1, coordination=n % 13 == 0)
        people.append((born, [canonical, f"{canonical[:8]}-{canonical[8:]}", f"{canonical[2:8]}-{canonical[8:]}"]))
    ids = rng.sample(range(10 * visits), visits)
    prefixes = ["A", "b", "-", "+", "=", "Ö", "é", "10", "z"]
    columns = ["visit_id", "personnummer", "date", "visit_kind", "form", "outcome"]
    rng.shuffle(columns)
    lines = [",".join(columns)]
    for visit_id in ids:
        born, spellings = rng.choice(people)
        day = max(born, date(2024, 1, 1) + timedelta(days=rng.randrange(700)))
        if born.year < 1950 and day.year > 2024:  # the 10-digit form means under 100 years old only
            spellings = spellings[:2]
        row = {"visit_id": f"{rng.choice(prefixes)}{visit_id}", "personnummer": rng.choice(spellings),
               "date": day.isoformat(), "visit_kind": rng.choice(KINDS),
               "form": rng.choice(["physical", "phone", "video"]),
               "outcome": rng.choices(["attended", "no_show", "late_cancel"], [90, 7, 3])[0]}
        lines.append(",".join(row[c] for c in columns))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("processes", [1, 2])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_fast_path_answers_as_the_exact_path(seed, processes):
    schedule = read_schedule(SCHEDULE)
    text = random_file(seed)
    columns = fee_batch.plain_columns(text.encode(), schedule)
    assert columns is not None
    assert fee_batch.priced(columns, schedule, processes) == exact(text, schedule)


def test_the_worked_file_takes_the_fast_path_with_the_same_answer(tmp_path):
    schedule = read_schedule(SCHEDULE)
    assert fee_batch.charges_file(VISITS.encode(), schedule, processes=2) == exact(VISITS, schedule)
    with_bom = "\ufeff" + VISITS.replace("\n", "\r\n")
    assert fee_batch.charges_file(with_bom.encode(), schedule, processes=2) == exact(with_bom, schedule)
    rows, said = run(tmp_path, VISITS)
    assert len(rows) == 8 and said.startswith("8 besök")


@pytest.mark.parametrize("change", [
    lambda t: t.replace("A3,", '"A3",'),  # quoting: Python's csv reads it, the fast path does not try
    lambda t: t.replace("A3,", " A3,"),  # a cell to strip
    lambda t: t.replace("A3,", "A3\u2003,"),  # Unicode space at the end of an id
    lambda t: t.replace("A3,", "A1,"),  # a repeated visit id
    lambda t: t.replace("A3,", ","),  # an empty visit id
    lambda t: t.replace("2024-03-15", "2024-02-30"),  # not a date
    lambda t: t.replace("2024-03-01,20100101", "2009-03-01,20100101"),  # before birth
    lambda t: t.replace("lakarbesok,physical", "tandlakare,physical", 1),  # kind not in the schedule
    lambda t: t.replace("197006151232", "197006151233"),  # Luhn
    lambda t: t + "attended,C1,2024-01-01\n",  # a short row
    lambda t: t + ",,,,,\n",  # an empty row (the exact path skips it)
    lambda t: t.replace("visit_id", "visit_id,extra", 1),  # header
    lambda t: "\n" + t,  # a blank first line: the exact path finds no header row and says so
    lambda t: "\r\n" + t,
])
def test_a_file_the_fast_path_could_read_differently_goes_the_exact_way(change):
    schedule = read_schedule(SCHEDULE)
    assert fee_batch.plain_columns(change(VISITS).encode(), schedule) is None


def test_the_command_answers_the_same_on_either_path(tmp_path):
    text = random_file(7, visits=2000)
    fast_rows, fast_said = run(tmp_path, text)
    fast = (tmp_path / "out.csv").read_bytes()
    # The same file quoted throughout: Python's csv reads the same values, the fast path declines it.
    quoted = "\n".join(",".join(f'"{cell}"' for cell in line.split(",")) for line in text.splitlines()) + "\n"
    slow_rows, slow_said = run(tmp_path, quoted)
    assert (tmp_path / "out.csv").read_bytes() == fast and slow_said == fast_said


def test_a_file_with_a_blank_first_line_is_refused_as_the_exact_path_refuses_it(tmp_path):
    from fees.tests.test_fees_command import refused

    assert "saknar rubrikrad" in refused(tmp_path, "\n" + VISITS)


def test_a_file_with_old_mac_line_ends_gets_the_same_answer(tmp_path):
    # Line ends "\r" only: the header the fast path reads ahead (to read every column as text) runs
    # into the first row, so the last column's type was guessed (dates as dates) and the fast path
    # crashed. The exact path reads the file as text with universal newlines.
    import csv
    import io

    columns = ["visit_id", "personnummer", "visit_kind", "form", "outcome", "date"]
    rows = list(csv.DictReader(io.StringIO(VISITS)))
    text = "\n".join([",".join(columns)] + [",".join(row[c] for c in columns) for row in rows]) + "\n"
    expected, _said = run(tmp_path, text)
    assert run(tmp_path, text.replace("\n", "\r"))[0] == expected
