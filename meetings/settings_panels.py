"""Sections that other apps put on the meetings settings page (`meetings:settings`), after the
unit's booking rules and the region's visit kinds: the fees app shows the region's fee schedules and
the prisbasbelopp there. Registered at start-up, so meetings does not import the apps above it."""

_panels = []


def register_settings_panel(template, context):
    """`context(actor, region) -> dict` for the template; called on every view of the settings page."""
    _panels.append((template, context))


def settings_panels(actor, region):
    return [(template, context(actor, region)) for template, context in _panels]
