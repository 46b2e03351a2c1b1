"""Add the hash chain to the history and compute it for the events already there."""

import django.utils.timezone
from django.db import migrations, models


def backfill(apps, schema_editor):
    from history.integrity import rechain

    rechain(apps.get_model("history", "Event"))


class Migration(migrations.Migration):
    dependencies = [
        ("history", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="hash",
            field=models.CharField(default="", max_length=64),
        ),
        migrations.AddField(
            model_name="event",
            name="prev_hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AlterField(
            model_name="event",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="时间"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
