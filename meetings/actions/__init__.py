"""Every write of the care meetings, one module per topic:

- `bookings`: booking, rebooking, cancelling, outcomes, free times;
- `sip`: the coordinated individual plan (SIP), its consent, participants, versions and meetings;
- `conferences`: case conferences, their sessions, cases and recommendations, and their series;
- `visit_kinds`: a region's visit kinds (what the calendars offer and the fee schedules price);
- `settings`: a unit's booking rules.

Each action takes the actor, checks permission itself (`meetings.permissions`, and patient access
through `core.access.require_access`), runs in one transaction with its audit event and returns what
it wrote. Reads live in `meetings.queries`. Fee schedules and charges are the fees app's
(`fees.actions`, `fees.charges`). Everything is importable from here as before
(`from meetings import actions; actions.book_visit(...)`)."""

from meetings.actions.bookings import (  # noqa: F401
    book_visit, BOOKING_FIELDS, cancel, cancel_own_visit, create_slots, rebook, rebook_own_visit, register_outcome,
    Status,
)
from meetings.actions.sip import (  # noqa: F401
    add_sip_effort, add_sip_participant, answer_sip_invitation, book_sip_meeting, create_sip,
    publish_sip_version, record_sip_consent, record_sip_minutes, SIP_FIELDS, update_sip,
)
from meetings.actions.conferences import (  # noqa: F401
    order_cases, record_attendance, record_recommendation, register_case, save_conference_series,
    schedule_session, SERIES_FIELDS,
)
from meetings.actions.visit_kinds import save_visit_kind, VISIT_KIND_FIELDS  # noqa: F401
from meetings.actions.settings import (  # noqa: F401
    CALENDAR_FIELDS, save_booking_rules,
)
# Reads and permission checks that callers once took from here.
from meetings.permissions import (  # noqa: F401
    may_answer_invitation, may_answer_invitations, may_book_visits, may_manage_calendar,
)
from meetings.queries import calendar_of, region_of, sip_content, taking_part  # noqa: F401
