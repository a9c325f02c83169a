"""Swedish personal identity numbers and HSA-ids.

Personnummer: YYYYMMDD-NNNC with a Luhn check digit C over the ten-digit form.
Samordningsnummer: the same with 60 added to the day. We store the twelve-digit canonical
form and accept the common written forms (10 or 12 digits, with or without `-` or `+`).
Parsing and the check digit come from the `personnummer` package.
"""

import re
from dataclasses import dataclass
from datetime import date

from personnummer import personnummer as _pnr

HSA_ID_PATTERN = re.compile(r"SE\d{10}-[0-9A-Za-z]{1,20}")
_ALLOWED = re.compile(r"[0-9+\-]{10,13}")


class InvalidPersonalNumber(ValueError):
    """A number that is not a valid personnummer or samordningsnummer.

    `message` is written for the person who typed it.
    """

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PersonalNumber:
    canonical: str  # YYYYMMDDNNNN
    is_coordination_number: bool
    birth_date: date

    def formatted(self):
        return format_personal_number(self.canonical)


def _valid_canonical(digits):
    """A valid twelve-digit number (the form files and the database hold) as a PersonalNumber, else
    None: the caller then asks the `personnummer` package, which names what is wrong. Checks what the
    package checks (a real date, the day plus 60 for a samordningsnummer, a serial other than 000,
    the Luhn digit over the last ten) at a fraction of its cost: a region's fee file has over a
    million people (core/tests/test_identity_rules.py holds the two to the same answers)."""
    if len(digits) != 12 or not digits.isascii() or not digits.isdigit() or digits[8:11] == "000":
        return None
    day = int(digits[6:8])
    coordination = day > 60
    try:
        born = date(int(digits[:4]), int(digits[4:6]), day - 60 if coordination else day)
    except ValueError:
        return None
    if luhn_check_digit(digits[2:11]) != int(digits[11]):
        return None
    return PersonalNumber(digits, coordination, born)


def parse_personal_number(text, *, today=None):
    """Validate and normalise a written personnummer or samordningsnummer."""
    if text.__class__ is str and (fast := _valid_canonical(text)) is not None:
        if today is not None and fast.birth_date > today:
            raise InvalidPersonalNumber("future", "Födelsedatumet i personnumret ligger i framtiden.")
        return fast
    cleaned = "".join(str(text or "").split())
    if not cleaned:
        raise InvalidPersonalNumber("required", "Ange ett personnummer.")
    if not _ALLOWED.fullmatch(cleaned):
        raise InvalidPersonalNumber(
            "format", "Personnumret ska skrivas som ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN."
        )
    try:
        number = _pnr.Personnummer(cleaned)
    except _pnr.PersonnummerParseException:
        raise InvalidPersonalNumber(
            "format", "Personnumret ska skrivas som ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN."
        ) from None
    except _pnr.PersonnummerInvalidException:
        raise InvalidPersonalNumber(_invalid_code(cleaned), _invalid_message(cleaned)) from None
    canonical = number.format(True)
    birth_date = number.get_date()
    if today is not None and birth_date > today:
        raise InvalidPersonalNumber("future", "Födelsedatumet i personnumret ligger i framtiden.")
    return PersonalNumber(canonical, number.is_coordination_number(), birth_date)


def _invalid_code(cleaned):
    return "date" if not _date_part_is_valid(cleaned) else "checksum"


def _invalid_message(cleaned):
    if not _date_part_is_valid(cleaned):
        return "Personnumret innehåller inget giltigt datum."
    return "Kontrollsiffran stämmer inte. Kontrollera personnumret."


def _date_part_is_valid(cleaned):
    digits = cleaned.replace("-", "").replace("+", "")
    yymmdd = digits[-10:-4]
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    if day > 60:  # samordningsnummer
        day -= 60
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return False
    year = int(digits[:4]) if len(digits) == 12 else 2000 + int(yymmdd[:2])
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def format_personal_number(canonical):
    """`191212121212` -> `19121212-1212`."""
    return f"{canonical[:8]}-{canonical[8:]}"


# A digit doubled, its digits summed (Luhn): "7" -> 14 -> 5.
_DOUBLED = {str(n): sum(map(int, str(2 * n))) for n in range(10)}


def luhn_check_digit(nine_digits):
    """The check digit for the nine digits YYMMDDNNN (used to make demo and test numbers). The first,
    third, ... digit is doubled. Written with map over the string: a region's fee file checks over a
    million numbers."""
    total = sum(map(_DOUBLED.__getitem__, nine_digits[::2])) + sum(map(int, nine_digits[1::2]))
    return (10 - total % 10) % 10


def make_personal_number(birth_date, serial, *, coordination=False):
    """Build a valid canonical number from a birth date and a three-digit serial."""
    day = birth_date.day + (60 if coordination else 0)
    nine = f"{birth_date:%y%m}{day:02d}{serial:03d}"
    return f"{birth_date:%Y}{nine[2:]}{luhn_check_digit(nine)}"
