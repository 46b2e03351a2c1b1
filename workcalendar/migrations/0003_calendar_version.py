"""The calendar's version token (``models.CalendarVersion``): an unmanaged model whose table is made here."""

from django.db import migrations, models


def fields():
    return [
        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
        ("token", models.CharField(max_length=32)),
    ]


class Migration(migrations.Migration):
    dependencies = [("workcalendar", "0002_seed_from_chinesecalendar")]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The table exists like any other; the state says unmanaged, so backups and flush skip it.
            database_operations=[
                migrations.CreateModel(
                    name="CalendarVersion", fields=fields(), options={"db_table": "workcalendar_calendarversion"}
                )
            ],
            state_operations=[
                migrations.CreateModel(
                    name="CalendarVersion",
                    fields=fields(),
                    options={"managed": False, "db_table": "workcalendar_calendarversion"},
                )
            ],
        )
    ]
