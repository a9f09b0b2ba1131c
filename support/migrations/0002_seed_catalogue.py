"""Seed the product §5 catalogue (queues, categories, sub-topics, fields, SLA policies,
canned replies) and, on PostgreSQL, the Japanese-aware search index.

After this migration the rows are operator data; ``support.defaults`` is only read here.
"""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from support import defaults

    Queue = apps.get_model("support", "Queue")
    Category = apps.get_model("support", "Category")
    Subtopic = apps.get_model("support", "Subtopic")
    CategoryField = apps.get_model("support", "CategoryField")
    SlaPolicy = apps.get_model("support", "SlaPolicy")
    CannedReply = apps.get_model("support", "CannedReply")

    queues = {}
    for position, q in enumerate(defaults.QUEUES):
        queues[q["slug"]], _ = Queue.objects.get_or_create(
            slug=q["slug"],
            defaults={"name_ja": q["name_ja"], "name_en": q["name_en"], "is_security": q["is_security"], "position": position},
        )
    for position, c in enumerate(defaults.CATEGORIES):
        category, created = Category.objects.get_or_create(
            slug=c["slug"],
            defaults={
                "name_ja": c["name_ja"],
                "name_en": c["name_en"],
                "queue": queues[c["queue"]],
                "default_priority": c["priority"],
                "priority_locked": c["slug"] == "security",
                "guest_allowed": c["guest_allowed"],
                "offers_freeze": c["offers_freeze"],
                "position": position,
            },
        )
        if not created:
            continue
        for i, s in enumerate(c["subtopics"]):
            Subtopic.objects.create(category=category, slug=s["slug"], name_ja=s["name_ja"], name_en=s["name_en"], position=i)
        for i, f in enumerate(c["fields"]):
            CategoryField.objects.create(
                category=category,
                key=f["key"],
                kind=f["kind"],
                label_ja=f["label_ja"],
                label_en=f["label_en"],
                help_ja=f.get("help_ja", ""),
                help_en=f.get("help_en", ""),
                required=f.get("required", True),
                max_length=f.get("max_length"),
                choices=f.get("choices", []),
                position=i,
            )
    for p in defaults.SLA_POLICIES:
        SlaPolicy.objects.get_or_create(
            priority=p["priority"],
            defaults={k: p[k] for k in ("first_response_minutes", "resolution_minutes", "around_the_clock")},
        )
    for i, r in enumerate(defaults.CANNED_REPLIES):
        CannedReply.objects.get_or_create(slug=r["slug"], defaults={**{k: v for k, v in r.items() if k != "slug"}, "position": i})


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
