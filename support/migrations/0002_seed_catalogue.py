"""Seed the product §5 catalogue (queues, categories, sub-topics, fields, SLA policies,
canned replies) and, on PostgreSQL, the Japanese-aware search index.

After this migration the rows are operator data; ``support.defaults`` is only read here.
"""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from support.internal.seed import seed_defaults

    seed_defaults(apps)


def search_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS inq_search_grams ON support_inquiry "
            "USING gin (to_tsvector('simple', search_grams))"
        )


def drop_search_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS inq_search_grams")


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(search_index, drop_search_index),
    ]
