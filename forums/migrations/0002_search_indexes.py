"""GIN indexes for full-text search (forums/search.py), on PostgreSQL only: SQLite has no GIN and
searches by substring there. The index expressions are the ones the search query builds, so the
planner uses them."""

from django.db import migrations


def indexes():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    # Replaced by stored vectors in 0005; the expressions are kept here as they were.
    fields = {"decision": ("text",), "assignment": ("what",), "agendaitem": ("title", "notes")}

    def vector(model):
        return SearchVector(*fields[model], config="swedish")

    return [(model, GinIndex(vector(model), name=f"forums_{model}_fts")) for model in ("decision", "assignment", "agendaitem")]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in indexes():
        schema_editor.add_index(apps.get_model("forums", model), index)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in indexes():
        schema_editor.remove_index(apps.get_model("forums", model), index)


class Migration(migrations.Migration):
    dependencies = [("forums", "0001_forums_initial")]
    operations = [migrations.RunPython(create, drop)]
