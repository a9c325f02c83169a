"""Panels that modules put on the staff start page (counters of their worklists)."""

_panels = []


def register_home_panel(template, context):
    """`context(actor) -> dict` is called on every start page view: keep it to a few counts."""
    _panels.append((template, context))


def home_panels(actor):
    return [(template, context(actor)) for template, context in _panels]
