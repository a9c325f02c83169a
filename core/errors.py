"""Errors that actions raise and views and the API turn into answers a person understands."""


class ActionError(Exception):
    """A refused write. `errors` maps field names ('' for the whole form) to Swedish messages."""

    def __init__(self, message, *, field=""):
        super().__init__(message)
        self.errors = {field: [message]}

    @classmethod
    def many(cls, errors):
        error = cls("")
        error.errors = {name: list(messages) for name, messages in errors.items()}
        return error

    def __str__(self):
        return "; ".join(f"{name or 'form'}: {' '.join(msgs)}" for name, msgs in self.errors.items())


class NotPermitted(ActionError):
    """The actor may not do this. Views answer 403 (or 404 where the object must stay hidden)."""
