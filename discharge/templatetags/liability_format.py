"""Formatting for the invoice pages: whole kronor with thin spaces, look-ups in dicts."""

from django import template

register = template.Library()


@register.filter
def kr(amount):
    if amount is None:
        return "–"
    return f"{amount:,}".replace(",", "\u00a0") + "\u00a0kr"


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")
