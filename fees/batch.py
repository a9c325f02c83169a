"""The `fees` command's fast path for a region's year of visits (issue 14: 5 million visits in under
a minute on two cores), with the same answer as `fee_files.read_visits` + `calculate_charges` +
`charges_csv`, byte for byte.

Reading: pyarrow's CSV reader (C++, both cores) turns the file into columns. Validating: every rule
of `fee_files.parse_visit_row` that looks at one cell is applied once per *distinct* value of the
column (a year has 365 dates and ~1.4 million people for 5 million visits) with the same functions;
the one rule across cells (not before the person's birth) and the unique visit ids are checked over
the columns. Calculating and writing: the people are split over the cores (a person's ceiling
depends on that person's visits only), each process prices its people with the engine
(`rules.fees.calculate_person`) and writes its charges with `core.writers.csv_pieces`, in visit-id
order; the parent interleaves the two sorted halves.

The fast path takes only a *plain* file: no quote character, no NUL, no cell to strip, every row
valid. Anything else (a bad row, a file to report problems in, quoting the fast reader might read
differently from Python's csv) returns None, and the command reads the file the exact way, which
reports every problem with its line number as before. The answer does not depend on the path.
"""

import multiprocessing
import os
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from core.writers import csv_pieces, csv_text
from fees.files import CHARGE_COLUMNS, VISIT_COLUMNS, _day_or_none, _number_or_problem, charge_values
from fees import rules as engine

# What Python's str.strip() removes (str.isspace): a visit id with any of these at either end would
# be stripped by the exact reader, so such a file goes that way. RE2 syntax (pyarrow's regex engine).
_SPACE = r"[\t-\r\x1c-\x20\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
_STRIPPABLE = f"^{_SPACE}|{_SPACE}$"

# The forked workers read the columns from here (inherited at fork, never pickled).
_shared = {}
# A worker keeps what it made until it exits (a forked worker leaves by os._exit): freeing millions
# of objects one by one would cost seconds for nothing.
_kept = []


def workers():
    return max(1, min(2, os.cpu_count() or 1))


def charges_file(data, schedule, processes=None):
    """(charges CSV text, number of visits, total fee) for a plain visits file (bytes), or None when
    the file needs the exact reader."""
    columns = plain_columns(data, schedule)
    if columns is None:
        return None
    return priced(columns, schedule, processes or workers())


# --- Reading and validating ------------------------------------------------------------------------

def plain_columns(data, schedule):
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # A blank first line: the exact reader finds no header row and says so (the fast reader would skip it).
    if b'"' in data or b"\x00" in data or data[:1] in (b"\n", b"\r"):
        return None
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(block_size=16 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(_header(data), pa.string()),
                                                 strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    # A column read as anything but text was not in the header `_header` read ahead (line ends of
    # another kind): pyarrow guessed its type.
    if not all(pa.types.is_string(kind) for kind in table.schema.types):
        return None
    names = [name.strip() for name in table.column_names]
    if len(set(names)) != len(names) or sorted(names) != sorted(VISIT_COLUMNS) or table.num_rows == 0:
        return None
    table = table.rename_columns(names)
    columns = {name: table.column(name).combine_chunks() for name in VISIT_COLUMNS}

    ids = columns["visit_id"]
    if (pc.min(pc.utf8_length(ids)).as_py() == 0 or pc.any(pc.match_substring_regex(ids, _STRIPPABLE)).as_py()
            or pc.count_distinct(ids).as_py() != len(ids)):
        return None

    coded = {name: columns[name].dictionary_encode() for name in VISIT_COLUMNS[1:]}
    values = {name: [v.strip() for v in array.dictionary.to_pylist()] for name, array in coded.items()}
    numbers = [_number_or_problem(text) for text in values["personnummer"]]
    days = [_day_or_none(text) for text in values["date"]]
    if (any(problem for _n, problem in numbers) or None in days
            or any(kind not in schedule.fees for kind in values["visit_kind"])
            or any(form not in engine.FORMS for form in values["form"])
            or any(outcome not in engine.OUTCOMES for outcome in values["outcome"])):
        return None
    numbers = [number for number, _problem in numbers]
    births = pa.array([n.birth_date.toordinal() for n in numbers], pa.int32())
    day_numbers = pa.array([d.toordinal() for d in days], pa.int32())
    person_indices = coded["personnummer"].indices
    day_indices = coded["date"].indices
    if pc.any(pc.less(pc.take(day_numbers, day_indices), pc.take(births, person_indices))).as_py():
        return None

    # One person may be written in more than one way (with or without the hyphen): the ceiling is
    # per person, so the split over processes follows the canonical number.
    person_of = {}
    persons = [person_of.setdefault(n.canonical, len(person_of)) for n in numbers]
    return {
        "ids": ids, "numbers": numbers, "persons": persons, "days": days, "values": values,
        "indices": {name: array.indices for name, array in coded.items()},
    }


def _header(data):
    """The header row's cells as the reader will name them (for reading every column as text)."""
    first = data.split(b"\n", 1)[0].rstrip(b"\r")
    return [cell.decode("utf-8", "replace") for cell in first.split(b",")]


# --- Calculating and writing -----------------------------------------------------------------------

def priced(columns, schedule, processes):
    """(charges CSV text, number of visits, total fee). Each process takes the people of one share and
    their visits in visit-id order (pyarrow sorts the ids in code point order, as Python does)."""
    ids = columns["ids"]
    share_of_number = pa.array([person % processes for person in columns["persons"]], pa.int32())
    share = pc.take(share_of_number, columns["indices"]["personnummer"])
    order = pc.sort_indices(ids)
    share_in_order = pc.take(share, order)
    _shared.update(columns=columns, schedule=schedule, order=order, share_in_order=share_in_order)
    try:
        if processes == 1:
            parts = [_price_share(0)]
        else:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
                parts = list(pool.map(_price_share, range(processes)))
    finally:
        _shared.clear()
    nexts = [iter(text.split("\n")).__next__ for text, _total in parts]
    body = "\n".join([nexts[s]() for s in share_in_order.to_pylist()])
    header = csv_text(CHARGE_COLUMNS, [])
    return header + body + ("\n" if body else ""), len(ids), sum(total for _text, total in parts)


class _Placed(engine.Visit):
    """A visit that knows its line in its share's part of the charges file."""

    __slots__ = ("position",)


def _price_share(share):
    """The charges of the people of one share, as CSV lines in visit-id order (no header), and their
    total fee."""
    columns, schedule = _shared["columns"], _shared["schedule"]
    rows = pc.filter(_shared["order"], pc.equal(_shared["share_in_order"], share))
    values, numbers, days, persons = columns["values"], columns["numbers"], columns["days"], columns["persons"]
    kinds, forms, outcomes = values["visit_kind"], values["form"], values["outcome"]
    cells = zip(pc.take(columns["ids"], rows).to_pylist(),
                *(pc.take(columns["indices"][name], rows).to_pylist() for name in VISIT_COLUMNS[1:]), strict=True)
    by_person = defaultdict(list)
    for position, (visit_id, n, d, k, f, o) in enumerate(cells):
        number = numbers[n]
        visit = _Placed(visit_id, number.canonical, number.birth_date, days[d], kinds[k], forms[f], outcomes[o])
        visit.position = position
        by_person[persons[n]].append(visit)
    placed = [None] * len(rows)
    for person_visits in by_person.values():
        for charge in engine.calculate_person(person_visits, schedule)[0]:
            placed[charge.visit.position] = charge
    text = "".join(csv_pieces(CHARGE_COLUMNS, (charge_values(c) for c in placed), rows_per_piece=None))
    text = text.split("\n", 1)[1]  # without the header row
    _kept.append((by_person, placed))
    return text.removesuffix("\n"), sum(c.fee_sek for c in placed)
