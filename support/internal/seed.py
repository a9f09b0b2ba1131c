"""Seed the product §5 default catalogue (idempotent: existing rows are left alone).

Used by the data migration and by tests/demo after a database flush (transactional tests
empty every table, including rows created by data migrations).
"""

from typing import Any

from django.apps import apps as global_apps


def seed_defaults(apps: Any = global_apps) -> None:
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
            defaults={
                "name_ja": q["name_ja"],
                "name_en": q["name_en"],
                "is_security": q["is_security"],
                "position": position,
            },
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
            Subtopic.objects.create(
                category=category, slug=s["slug"], name_ja=s["name_ja"], name_en=s["name_en"], position=i
            )
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
        CannedReply.objects.get_or_create(
            slug=r["slug"], defaults={**{k: v for k, v in r.items() if k != "slug"}, "position": i}
        )
