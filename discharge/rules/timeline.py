"""The state of a discharge case, derived from its timeline of events.

The timeline is the truth: invoices are built from its timestamps, so the case's fields are
recomputed from the events after every new one, including corrections. A correction replaces
the time and content of the event it corrects (or voids it), and is itself kept in the timeline.
"""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Event:
    id: int
    kind: str
    occurred_at: datetime
    data: dict = field(default_factory=dict)
    corrects_id: int | None = None
    unit_id: int | None = None


@dataclass
class CaseState:
    admission_notice_at: datetime | None = None
    ready_notice_at: datetime | None = None
    care_contact_at: datetime | None = None
    planning_invitation_at: datetime | None = None
    discharged_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    patient_objected: bool = False
    # unit id -> the unit's latest commitment data
    commitments: dict = field(default_factory=dict)


def effective_events(events):
    """The events as corrected: each corrected event takes its latest correction's time and data;
    a correction with `{"void": true}` removes it. Returned in time order."""
    by_id = {e.id: e for e in events if e.kind != "correction"}
    for correction in sorted((e for e in events if e.kind == "correction"), key=lambda e: e.id):
        original = by_id.get(correction.corrects_id)
        if original is None:
            continue
        if correction.data.get("void"):
            del by_id[original.id]
            continue
        by_id[original.id] = Event(
            id=original.id, kind=original.kind, occurred_at=correction.occurred_at,
            data={**original.data, **correction.data}, corrects_id=None, unit_id=original.unit_id,
        )
    return sorted(by_id.values(), key=lambda e: (e.occurred_at, e.id))


def case_state(events):
    state = CaseState()
    for event in effective_events(events):
        if event.kind == "admission_notice" and state.admission_notice_at is None:
            state.admission_notice_at = event.occurred_at
        elif event.kind == "ready_notice":
            # A new notice after a withdrawal starts the clock again.
            state.ready_notice_at = event.occurred_at
        elif event.kind == "ready_withdrawn":
            state.ready_notice_at = None
        elif event.kind == "care_contact" and state.care_contact_at is None:
            state.care_contact_at = event.occurred_at
        elif event.kind == "planning_invitation" and state.planning_invitation_at is None:
            state.planning_invitation_at = event.occurred_at
        elif event.kind == "discharge_notice":
            state.discharged_at = event.occurred_at
        elif event.kind == "cancellation":
            state.cancelled_at = event.occurred_at
            state.cancel_reason = event.data.get("reason", "")
        elif event.kind == "consent":
            state.patient_objected = bool(event.data.get("objected"))
        elif event.kind == "commitment":
            state.commitments[event.unit_id] = event.data
    return state
