"""Swedish alphabetical order (svensk alfabetisk ordning), for names people look for in a list.

The alphabet is a–z followed by å, ä, ö; case does not decide the place (a lowercase letter goes
before the same letter in uppercase only when everything else is equal); an accent goes after the
plain letter (e, é); æ and ę file as ä, ø, ô, ő and œ as ö, ü and ű as y, đ and ð as d, ł as l, and ß
as ss, þ as th (CLDR's Swedish tailoring: letters NFD leaves whole would otherwise go last). Spaces and
punctuation go before digits, digits before letters, other scripts last.

This is the order of ICU's Swedish collation (CLDR "sv"), which PostgreSQL uses (`core.collation`);
this key gives the same order where there is no ICU (SQLite, and lists sorted in Python). No
Django imports: it is a pure rule.
"""

import unicodedata

ALPHABET = "abcdefghijklmnopqrstuvwxyzåäö"
_RANK = {letter: number for number, letter in enumerate(ALPHABET)}
_FILED_AS = {"æ": "ä", "ę": "ä", "ø": "ö", "ô": "ö", "ő": "ö", "œ": "ö", "ü": "y", "ű": "y", "đ": "d", "ð": "d",
             "ł": "l"}
_EXPANDED = {"ß": "ss", "ẞ": "SS", "þ": "th", "Þ": "Th"}  # one letter filed as two
_OWN_LETTERS = "åäö"  # letters of their own in Swedish, not a or o with an accent


def _base(letter):
    """The letter without its accent ('é' -> 'e'), keeping å, ä and ö."""
    letter = _FILED_AS.get(letter, letter)
    return letter if letter in _OWN_LETTERS else unicodedata.normalize("NFD", letter)[0]


def _primary(char):
    lower = char.lower()
    base = _base(lower)
    if base in _RANK:
        return (3, _RANK[base])
    if char.isdigit():
        return (2, unicodedata.digit(char, 0))
    if char.isspace() or not char.isalnum():
        return (1, 0 if char.isspace() else ord(char))
    return (4, ord(lower))


def sort_key(text):
    """A key that sorts strings in Swedish order: `sorted(names, key=sort_key)`."""
    text = unicodedata.normalize("NFC", text or "")
    letters = "".join(_EXPANDED.get(char, char) for char in text)
    primary = tuple(_primary(char) for char in letters)
    accents = tuple(_base(char.lower()) != char.lower() and char.lower() not in _OWN_LETTERS for char in letters)
    case = tuple(char != char.lower() for char in letters)
    return primary, accents, case, text  # the text last: "ss" before "ß" when all else is equal


def compare(left, right):
    """-1, 0 or 1 as `left` goes before, with or after `right` (SQLite's collation callback)."""
    a, b = sort_key(left), sort_key(right)
    return (a > b) - (a < b)
