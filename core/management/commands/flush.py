"""Django's `flush`, keeping the audit log append-only on SQLite.

Emptying the whole database is the database owner's business, not the application's. On
PostgreSQL `flush` uses TRUNCATE, which the row triggers of migration 0002 do not see. On SQLite
it runs `DELETE FROM` on every table, which the triggers of migration 0005 refuse: so here the
audit table's triggers are dropped before and created again after, as they were, in the same
transaction as the DELETEs. The test suite's transactional tests (live server, browser) empty the
database this way between tests.
"""

from django.core.management.commands import flush
from django.db import connections, transaction

from core.models import AuditEvent


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                               [AuditEvent._meta.db_table])
                triggers = cursor.fetchall()
                for name, _sql in triggers:
                    cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            super().handle(**options)
            with connection.cursor() as cursor:
                for _name, sql in triggers:
                    cursor.execute(sql)
