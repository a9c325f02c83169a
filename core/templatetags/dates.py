"""Dates kept as ISO text (in an event's data) turned back into dates, for Django's `date` and
`time` filters and so the Swedish locale: `{{ d.meeting_at|from_iso|date:"j F Y" }}`."""

from datetime import date, datetime

from django import template

register = template.Library()


@register.filter
def from_iso(value):
    """An ISO date or date-time string as a date or datetime; anything else as it was."""
    if not isinstance(value, str):
        return value
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        return value
