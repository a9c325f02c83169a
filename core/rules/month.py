"""A calendar month (`Month`): the one type for month arithmetic. Pure: no Django imports.

The liability engine, the invoice basis, the follow-up pages of discharge and of meetings all step
and compare months with it, rather than with `(year, month)` pairs of their own.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text):
        """'YYYY-MM' -> Month; ValueError otherwise. Years run 1900-2199: no case lies outside, and
        a month at the edge of Python's dates (9999-12) could not be stepped to its next month."""
        parts = text.split("-")
        if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2 or not (parts[0] + parts[1]).isdigit():
            raise ValueError(f"Månaden ska skrivas ÅÅÅÅ-MM, inte {text!r}.")
        year, month = int(parts[0]), int(parts[1])
        if not 1 <= month <= 12 or not 1900 <= year <= 2199:
            raise ValueError(f"Ingen sådan månad: {text!r}.")
        return cls(year, month)

    @classmethod
    def of(cls, day):
        """The month a date (or datetime) falls in."""
        return cls(day.year, day.month)

    # Cached: the engine asks for the month's last day for every case of the month.
    @cached_property
    def first_day(self):
        return date(self.year, self.month, 1)

    @cached_property
    def last_day(self):
        return self.next().first_day - timedelta(days=1)

    def next(self):
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self):
        return Month(self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)

    def ending_here(self, count):
        """The `count` months ending with this one, oldest first."""
        months = [self]
        while len(months) < count:
            months.insert(0, months[0].previous())
        return months

    def contains(self, day):
        return day is not None and (day.year, day.month) == (self.year, self.month)

    def __str__(self):
        return f"{self.year:04d}-{self.month:02d}"
