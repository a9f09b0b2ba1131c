from django.db import migrations, models

# The seeded canned replies become macros: reply + status (+ priority) in one step.
MACRO_ACTIONS = {
    "ack_investigating": {"set_status": "open"},
    "need_more_info": {"set_status": "waiting"},
    "signin_clock_drift": {"set_status": "waiting"},
}


def forwards(apps, schema_editor):
    CannedReply = apps.get_model("support", "CannedReply")
    for slug, values in MACRO_ACTIONS.items():
        CannedReply.objects.filter(slug=slug, set_status="").update(**values)


class Migration(migrations.Migration):
    dependencies = [("support", "0003_inquiry_recent_index")]

    operations = [
        migrations.AddField(
            model_name="cannedreply",
            name="set_priority",
            field=models.PositiveSmallIntegerField(
                blank=True,
                choices=[(1, "Urgent"), (2, "High"), (3, "Normal"), (4, "Low")],
                help_text="Priority to set (blank: unchanged).",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="cannedreply",
            name="set_status",
            field=models.CharField(
                blank=True,
                choices=[
                    ("new", "New"),
                    ("open", "Open"),
                    ("waiting", "Waiting on customer"),
                    ("resolved", "Resolved"),
                    ("closed", "Closed"),
                ],
                help_text="Status after the reply (blank: waiting).",
                max_length=10,
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
