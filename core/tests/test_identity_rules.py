from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.rules.identity import InvalidPersonalNumber, make_personal_number, parse_personal_number


@pytest.mark.parametrize("written", ["19121212-1212", "121212+1212", "191212121212", "19121212 - 1212"])
def test_common_written_forms_normalise_to_twelve_digits(written):
    assert parse_personal_number(written).canonical == "191212121212"


def test_ten_digits_without_plus_means_under_a_hundred_years_old():
    assert parse_personal_number("1212121212").canonical == "201212121212"


def test_plus_sign_means_a_hundred_years_or_older():
    assert parse_personal_number("121212+1212").birth_date == date(1912, 12, 12)


def test_wrong_check_digit_is_refused_with_its_own_message():
    with pytest.raises(InvalidPersonalNumber) as error:
        parse_personal_number("19121212-1213")
    assert error.value.code == "checksum"
    assert "Kontrollsiffran" in error.value.message


def test_impossible_date_is_refused_as_a_date_error():
    with pytest.raises(InvalidPersonalNumber) as error:
        parse_personal_number("19121332-1212")
    assert error.value.code == "date"


@pytest.mark.parametrize("text", ["abc", "1912-12-12", "12345", "19121212-12121", "19121212_1212"])
def test_malformed_input_is_refused_as_a_format_error(text):
    with pytest.raises(InvalidPersonalNumber) as error:
        parse_personal_number(text)
    assert error.value.code == "format"


def test_empty_input_asks_for_a_number():
    with pytest.raises(InvalidPersonalNumber) as error:
        parse_personal_number("  ")
    assert error.value.code == "required"


def test_samordningsnummer_is_recognised_and_gives_the_real_birth_date():
    number = parse_personal_number("701063-2391")
    assert number.is_coordination_number
    assert number.birth_date == date(1970, 10, 3)
    assert number.canonical == "197010632391"


def test_birth_date_in_the_future_is_refused_when_today_is_given():
    future = make_personal_number(date(2030, 1, 1), 123)
    with pytest.raises(InvalidPersonalNumber) as error:
        parse_personal_number(future, today=date(2026, 11, 23))
    assert error.value.code == "future"


@given(
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 11, 23)),
    serial=st.integers(min_value=1, max_value=999),
    coordination=st.booleans(),
)
def test_every_generated_number_parses_back_to_itself(birth, serial, coordination):
    canonical = make_personal_number(birth, serial, coordination=coordination)
    parsed = parse_personal_number(f"{canonical[:8]}-{canonical[8:]}")
    assert parsed.canonical == canonical
    assert parsed.birth_date == birth
    assert parsed.is_coordination_number == coordination


@given(
    birth=st.dates(min_value=date(1930, 1, 1), max_value=date(2020, 12, 31)),
    serial=st.integers(min_value=1, max_value=999),
    wrong=st.integers(min_value=1, max_value=9),
)
def test_any_changed_check_digit_is_caught(birth, serial, wrong):
    canonical = make_personal_number(birth, serial)
    altered = canonical[:-1] + str((int(canonical[-1]) + wrong) % 10)
    with pytest.raises(InvalidPersonalNumber):
        parse_personal_number(altered)


def _package_answer(digits):
    """What the `personnummer` package makes of twelve digits: (canonical, samordningsnummer, birth) or None."""
    from personnummer import personnummer as package

    try:
        number = package.Personnummer(digits)
    except (package.PersonnummerParseException, package.PersonnummerInvalidException):
        return None
    return number.format(True), number.is_coordination_number(), number.get_date()


@given(st.dates(date(1870, 1, 1), date(2030, 12, 31)), st.integers(0, 999), st.booleans(), st.integers(0, 9))
def test_the_fast_check_of_twelve_digits_agrees_with_the_personnummer_package(born, serial, coordination, last):
    from core.rules.identity import _valid_canonical

    made = make_personal_number(born, serial, coordination=coordination)
    for digits in (made, made[:11] + str(last)):  # a valid number, and the same with any last digit
        fast = _valid_canonical(digits)
        assert (None if fast is None else (fast.canonical, fast.is_coordination_number, fast.birth_date)) == \
            _package_answer(digits)


@given(st.text("0123456789", min_size=12, max_size=12))
def test_the_fast_check_accepts_no_twelve_digits_the_package_refuses(digits):
    from core.rules.identity import _valid_canonical

    fast = _valid_canonical(digits)
    if fast is not None:
        assert _package_answer(digits) == (fast.canonical, fast.is_coordination_number, fast.birth_date)
