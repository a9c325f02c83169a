"""Stored text vectors for the forum search (forums/search.py), replacing the expression indexes of
0002. Ranking with ts_rank over an expression index computes to_tsvector again for every match
(hundreds of milliseconds for a common word over 100 000 rows); a stored column is read instead.

The column is filled by a trigger on PostgreSQL, not by the actions: rows are written by several
actions (an item's notes, title, a carried item, the standing items copied onto a new agenda), by
the demo seeders and by bulk loads (COPY), and a vector one writer forgets would hide that row from
search without any error. A trigger sees every write. On SQLite the columns stay empty (substring
search there).
"""

import django.contrib.postgres.search
from django.db import migrations

TABLES = {"forums_decision": ("text",), "forums_assignment": ("what",), "forums_agendaitem": ("title", "notes")}
OLD_INDEXES = {"forums_decision": "forums_decision_fts", "forums_assignment": "forums_assignment_fts",
               "forums_agendaitem": "forums_agendaitem_fts"}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, fields in TABLES.items():
        index = OLD_INDEXES[table]
        columns = ", ".join(fields)
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
        # tsvector_update_trigger is PostgreSQL's own: it sets the column from the named text
        # columns with the named configuration, before the row is stored (INSERT, UPDATE and COPY).
        schema_editor.execute(
            f"CREATE TRIGGER {table}_search_vector BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION tsvector_update_trigger(search_vector, 'pg_catalog.swedish', {columns})")
        schema_editor.execute(f"UPDATE {table} SET search_vector = NULL")  # the trigger fills it
        schema_editor.execute(f"CREATE INDEX {index} ON {table} USING gin (search_vector)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEXES[table]}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_search_vector ON {table}")
    # Back to 0002's expression indexes, so that 0002 can be unapplied in turn.
    import importlib

    importlib.import_module("forums.migrations.0002_search_indexes").create(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("forums", "0004_goal_sources_contact")]
    operations = [
        migrations.AddField("agendaitem", "search_vector",
                            django.contrib.postgres.search.SearchVectorField(editable=False, null=True)),
        migrations.AddField("assignment", "search_vector",
                            django.contrib.postgres.search.SearchVectorField(editable=False, null=True)),
        migrations.AddField("decision", "search_vector",
                            django.contrib.postgres.search.SearchVectorField(editable=False, null=True)),
        migrations.RunPython(create, drop),
    ]
