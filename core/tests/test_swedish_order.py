"""Names sort in Swedish order: Å, Ä, Ö after Z, and case does not decide, in Python and in the
database (PostgreSQL's ICU collation, SQLite's registered rule)."""

import pytest

from core.collation import swedish
from core.models import Organisation
from core.rules.swedish import sort_key
from core.tests.factories import make_municipality

SWEDISH_ORDER = ["Ale", "bjuv", "Bjuv", "Eslöv", "Hässleholm", "Höganäs", "Hörby", "Lund", "malmö", "Malmö",
                 "Vallin", "Wallin", "Ystad", "Åstorp", "Ängelholm", "Örkelljunga"]


def test_the_swedish_letters_come_after_z_and_case_only_breaks_ties():
    shuffled = sorted(SWEDISH_ORDER, key=lambda name: name[::-1])
    assert sorted(shuffled, key=sort_key) == SWEDISH_ORDER
    # Character codes put uppercase first and Å before Ä (as Unicode has them), which is the bug.
    assert sorted(SWEDISH_ORDER) != SWEDISH_ORDER


def test_accents_file_under_their_letter_and_foreign_letters_as_swedish_dictionaries_do():
    assert sorted(["Ek", "Émile", "Eliasson"], key=sort_key) == ["Ek", "Eliasson", "Émile"]
    assert sorted(["Müller", "Myhr", "Mörk"], key=sort_key) == ["Myhr", "Müller", "Mörk"]  # ü as y
    assert sorted(["Ødegaard", "Östlund", "Ödegaard"], key=sort_key)[0] == "Ödegaard"  # ø as ö


@pytest.mark.django_db
def test_the_database_sorts_municipalities_in_swedish_order():
    names = ["Örkelljunga", "ängelholm", "Åstorp", "Ale", "Ystad", "höganäs", "Hörby", "Bjuv"]
    for number, name in enumerate(names):
        make_municipality(code=f"99{number:02d}", name=name)
    found = list(Organisation.objects.filter(code__startswith="99").order_by(swedish("name"))
                 .values_list("name", flat=True))
    assert found == sorted(names, key=sort_key) == [
        "Ale", "Bjuv", "höganäs", "Hörby", "Ystad", "Åstorp", "ängelholm", "Örkelljunga"]
    assert Organisation.objects.filter(code__startswith="99").order_by(swedish("name").desc()).first().name == "Örkelljunga"


# The order PostgreSQL's ICU collation "sv-SE-x-icu" gives these names (CLDR's Swedish rules: ô, ő and
# œ file as ö, ę as ä, đ as d, ł as l, ß as ss).
ICU_ORDER = ["Cyrén", "Côté", "Cœur", "Diaz", "Đorđević", "Dyrberg", "Gustav", "Göran", "Gőz", "Łukasz", "Lund",
             "Mats", "Oskar", "Strauß", "Ström", "Wessel", "Węgrzyn", "Zorn"]


def test_letters_that_do_not_decompose_file_as_icu_files_them():
    # Names people in Sweden have (Polish ł and ę, Hungarian ő, South Slavic đ, German ß, French œ
    # and ô): NFD leaves most of them whole, and they must not drop to "other scripts, last".
    shuffled = sorted(ICU_ORDER, key=lambda name: name[::-1])
    assert sorted(shuffled, key=sort_key) == ICU_ORDER


@pytest.mark.django_db
def test_the_database_sorts_those_letters_as_the_rule_does():
    for number, name in enumerate(ICU_ORDER):
        make_municipality(code=f"98{number:02d}", name=name)
    found = list(Organisation.objects.filter(code__startswith="98").order_by(swedish("name"))
                 .values_list("name", flat=True))
    assert found == ICU_ORDER
