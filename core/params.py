"""Reading query parameters (request.GET), and ids posted in forms, in one place.

A query string is typed by whoever sends it, so each reader here turns text into a value the view
can use safely or into "absent" (the default): a number beyond what the database stores, a value
outside its choices, a code with a slash that would break reverse(), a date the calendar cannot step
past. Views read request.GET only through these, so no hostile value reaches a query, a URL or date
arithmetic and becomes a server error.
"""

import re
from datetime import date

from django.http import Http404

# Database ids are 64-bit signed integers; a larger number can name no row.
MAX_ID = 2**63 - 1
# Dates and months a person may ask a page for; outside this no data exists, and stepping a day or
# a month from the edge of Python's own range (year 1 or 9999) would raise.
FIRST_YEAR, LAST_YEAR = 1900, 2199


def text(request, name, default="", *, max_length=200):
    """The stripped value, or the default when absent, empty, too long or holding control characters."""
    value = request.GET.get(name, "")
    value = value.strip() if isinstance(value, str) else ""
    if not value or len(value) > max_length or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return default
    return value


def integer(request, name, default=None, *, minimum=1, maximum=MAX_ID):
    """A whole number in [minimum, maximum], or the default (ids: a positive 64-bit number)."""
    value = text(request, name, max_length=25)
    if not re.fullmatch(r"[+-]?\d+", value):
        return default
    number = int(value)
    return number if minimum <= number <= maximum else default


def choice(request, name, choices, default=None, *, or_404=False):
    """One of the given values (compared as text), or the default; with or_404, a value given but
    not among the choices names a page that does not exist (404)."""
    value = text(request, name)
    if value in choices:
        return value
    if or_404 and name in request.GET:
        raise Http404
    return default


def code(request, name, pattern, default=None):
    """A value that matches the pattern whole (e.g. r"\\d{4}" for a municipality code), or the
    default: safe to put into a URL with reverse()."""
    value = text(request, name)
    return value if re.fullmatch(pattern, value) else default


class Invalid(ValueError):
    """The parameter was given but is not a valid value (the page may say so)."""


def calendar_day(value):
    """An ISO date (YYYY-MM-DD) within FIRST_YEAR..LAST_YEAR, for params.parsed; ValueError otherwise."""
    day = date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"{value!r} is no date in {FIRST_YEAR}-{LAST_YEAR}")
    return day


def parsed(request, name, parse, default=None):
    """parse(text) of the given value (e.g. Month.parse, which bounds its own years); the default
    when absent; Invalid when parse raises ValueError or OverflowError."""
    value = text(request, name)
    if not value:
        return default
    try:
        return parse(value)
    except (ValueError, OverflowError):
        raise Invalid(value) from None


def posted_id(request, name):
    """A row id sent in a form (request.POST, e.g. a hidden field), or None: only ASCII digits that fit
    the database (str.isdigit also accepts "²", which int() refuses)."""
    value = request.POST.get(name, "")
    return int(value) if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value) else None
