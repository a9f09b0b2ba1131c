from django.db import migrations, models


def mark_freeze_cancellations(apps, schema_editor):
    # Every withdrawal cancelled before this migration was cancelled by a freeze.
    Withdrawal = apps.get_model("wallet", "Withdrawal")
    Withdrawal.objects.filter(status="cancelled", cancelled_by="").update(cancelled_by="freeze")


class Migration(migrations.Migration):
    dependencies = [
        ("wallet", "0002_withdrawal_cancelled_by_freeze"),
    ]

    operations = [
        migrations.AddField(
            model_name="withdrawal",
            name="cancelled_by",
            field=models.CharField(
                blank=True,
                choices=[("freeze", "Cancelled (account frozen)"), ("customer", "Cancelled by you")],
                default="",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="kind",
            field=models.CharField(
                choices=[
                    ("core_sync", "Trading update"),
                    ("deposit", "Deposit"),
                    ("withdrawal_hold", "Withdrawal requested"),
                    ("withdrawal_sent", "Withdrawal sent"),
                    ("withdrawal_release", "Withdrawal failed, funds returned"),
                    ("withdrawal_cancel", "Withdrawal cancelled by a freeze, funds returned"),
                    ("withdrawal_cancel_own", "Withdrawal cancelled by you, funds returned"),
                    ("adjustment", "Adjustment"),
                ],
                max_length=24,
            ),
        ),
        migrations.AlterField(
            model_name="withdrawal",
            name="status",
            field=models.CharField(
                choices=[("pending", "Pending"), ("sent", "Sent"), ("failed", "Failed"), ("cancelled", "Cancelled")],
                default="pending",
                max_length=10,
            ),
        ),
        migrations.RunPython(mark_freeze_cancellations, migrations.RunPython.noop),
    ]
