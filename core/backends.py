"""The login backend: Django's ModelBackend, with the logged-in user of each request read with its
session (core/sessions.py) or, when the session's hint is not that user, by one statement compiled
once per process (issue 14: the ORM built and compiled `User.objects.get(pk=…)` on every request).
Passwords, permissions and `user_can_authenticate` are Django's own."""

from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db import DEFAULT_DB_ALIAS

from core import sessions
from core.db import CompiledRead, columns_of
from core.models import User

_user_read = CompiledRead(lambda pk: User.objects.filter(pk=pk).values_list(*columns_of(User)),
                          (User._meta.pk, -72_001))


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        along = getattr(sessions.current.get(), "read_along", None)
        if along is not None and along.has_user(user_id):  # read with the session (core/sessions.py)
            user = along.user
            return user if user is not None and self.user_can_authenticate(user) else None
        try:
            row = _user_read.first(user_id)
        except (TypeError, ValueError):  # a session value that is not an id
            return None
        if row is None:
            return None
        user = User.from_db(DEFAULT_DB_ALIAS, columns_of(User), row)
        return user if self.user_can_authenticate(user) else None
