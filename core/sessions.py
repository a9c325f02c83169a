"""The session store: Django's database sessions, read by one statement compiled once per process.

Every request with a session cookie reads its session; building and compiling that ORM query cost more
CPU than PostgreSQL takes to answer it (issue 14). Writing, expiry and the table are Django's own.
Set as SESSION_ENGINE."""

from datetime import datetime, timezone as dt_timezone

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone

from core.db import CompiledRead, columns_of

_session_read = CompiledRead(
    lambda key, now: Session.objects.filter(session_key=key, expire_date__gt=now).values_list(*columns_of(Session)),
    (Session._meta.get_field("session_key"), "marker-session-key"),
    (Session._meta.get_field("expire_date"), datetime(1901, 1, 2, 3, 4, 5, tzinfo=dt_timezone.utc)),
)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        # As Django's: the unexpired session with this key, or None with the key forgotten.
        row = _session_read.first(self.session_key, timezone.now())
        if row is None:
            self._session_key = None
            return None
        return Session.from_db(DEFAULT_DB_ALIAS, columns_of(Session), row)
