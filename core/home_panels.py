"""Panels that modules put on core's pages: the staff start page (counters of their worklists)
and the patient page (what the module has going for the patient, e.g. an open discharge case)."""

_panels = []
_patient_panels = []


def register_home_panel(template, context):
    """`context(actor) -> dict | None` is called on every start page view: keep it to a few counts."""
    _panels.append((template, context))


def home_panels(actor):
    """The panels for this actor: a context of None (or empty) leaves its panel out."""
    shown = ((template, context(actor)) for template, context in _panels)
    return [(template, panel) for template, panel in shown if panel]


def register_patient_panel(template, context):
    """`context(actor, patient) -> dict | None` for the patient page (None: no panel). The patient
    page has logged its read of the patient; a panel logs the reads of what else it shows."""
    _patient_panels.append((template, context))


def patient_panels(actor, patient):
    shown = ((template, context(actor, patient)) for template, context in _patient_panels)
    return [(template, panel) for template, panel in shown if panel]
