"""The Swedish labels of the audit actions that fees writes (see core.audit.register_action_labels).

The fee actions were written as `meetings.*` before fees became its own app (issue 11). The audit
log is append-only, so those rows keep their names and are labelled here too: a resident's log
and the administrators' extract read the same words for a row from before the move and after it.
Their object types stay as written too (`meetings.feeschedule`; new rows say `fees.feeschedule`):
nothing looks fee objects up by type today, and whoever does must ask for both
(docs/decisions.md, "Fees as their own app")."""

LABELS = {
    "fees.fee_schedule.create": "Lade upp en avgiftstabell",
    "fees.fee_schedule.update": "Ändrade en avgiftstabell",
    "fees.prisbasbelopp.save": "Sparade prisbasbeloppet",
}

# Written before the move; never written again.
LEGACY_ACTIONS = {f"meetings.{name.removeprefix('fees.')}": name for name in LABELS}
LABELS |= {old: LABELS[new] for old, new in LEGACY_ACTIONS.items()}

