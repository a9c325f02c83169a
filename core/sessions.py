"""The session store: Django's database sessions (core.models.Session), read together with the
logged-in user and the acting membership by one statement compiled once per process.

Every request with a session cookie reads its session, its user (core/backends.py) and, for staff,
the acting membership with its unit and organisation (core.middleware.acting_membership): three round
trips to the database, each compiled once (issue 14). The session's row keeps the ids of the two as
hints (saved with its data), so the statement that reads the session reads them too, with whether the
membership is usable by that user by the rule of `core.middleware.usable_memberships`. They are used
only where the session's data names the same ids (`ReadAlong`); otherwise the user and membership are
read as before, and every check after the read (the user may log in, the session's password hash, the
membership's usability) is the one it was. Set as SESSION_ENGINE; writing and expiry are Django's."""

import contextvars
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils import timezone

from core.db import CompiledRead, columns_of, objects_from_row
from core.models import Membership, Organisation, Session, Unit, User

ACTING_MEMBERSHIP_KEY = "acting_membership_id"
_MODELS = ((Session, ""), (User, "user__"), (Membership, "acting_membership__"), (Unit, "acting_membership__unit__"),
           (Organisation, "acting_membership__unit__organisation__"))


def _session_read_of(key, now):
    from core.middleware import usable_condition  # the rule lives with the membership's other reads

    usable = ExpressionWrapper(usable_condition("acting_membership__") & Q(acting_membership__user=F("user")),
                               output_field=BooleanField())
    return Session.objects.filter(session_key=key, expire_date__gt=now).values_list(
        *(column for model, prefix in _MODELS for column in columns_of(model, prefix)), usable)


_session_read = CompiledRead(
    _session_read_of,
    (Session._meta.get_field("session_key"), "marker-session-key"),
    (Session._meta.get_field("expire_date"), datetime(1901, 1, 2, 3, 4, 5, tzinfo=dt_timezone.utc)),
)


def hint(value):
    """A session value as the id it names, or None for one that is no id."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class ReadAlong:
    """The user and acting membership read with a session, as its hints named them when it was read."""

    user_id: int | None
    user: User | None
    membership_id: int | None
    membership: Membership | None
    usable: bool

    def has_user(self, user_id):
        return self.user_id is not None and self.user_id == hint(user_id)

    def has_membership(self, user_id, membership_id):
        return self.has_user(user_id) and self.membership_id is not None and self.membership_id == hint(membership_id)


# The request's session store while the login middleware asks Django for the request's user
# (core.middleware.user_of): the login backend looks at what was read along with it first.
current = contextvars.ContextVar("samverkan_session_read_along", default=None)


class SessionStore(DatabaseSessionStore):
    read_along = None

    @classmethod
    def get_model_class(cls):
        return Session

    def create_model_instance(self, data):
        # The hints, from the data being saved: the logged-in user and the unit acted for.
        session = super().create_model_instance(data)
        session.user_id = hint(data.get(SESSION_KEY))
        session.acting_membership_id = hint(data.get(ACTING_MEMBERSHIP_KEY))
        return session

    def _get_session_from_db(self):
        # As Django's: the unexpired session with this key, or None with the key forgotten.
        self.read_along = None
        row = _session_read.first(self.session_key, timezone.now())
        if row is None:
            self._session_key = None
            return None
        session, user, membership, unit, organisation = objects_from_row(row[:-1], [model for model, _ in _MODELS])
        # The ORM reads a related row's key from the referring column (the hint): a user or membership
        # that is not there comes back as that key with its other columns null, and is none.
        if user is not None and user.username is None:
            user = None
        if membership is not None and membership.user_id is None:
            membership = None
        if membership is not None:
            Unit.organisation.field.set_cached_value(unit, organisation)
            Membership.unit.field.set_cached_value(membership, unit)
        self.read_along = ReadAlong(session.user_id, user, session.acting_membership_id, membership, bool(row[-1]))
        return session
