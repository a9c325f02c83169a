"""The audit log's append-only check, shared by the tests of the log, its partitions and compaction."""

from django.db import DatabaseError, connection, transaction


def refused(statement):
    """Whether the database refuses `statement` as a change to the append-only audit log."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    except DatabaseError as error:
        return "append-only" in str(error)
    return False
