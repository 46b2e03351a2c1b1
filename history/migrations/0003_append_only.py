"""One successor per event, and the database refuses UPDATE, DELETE and TRUNCATE on the history."""

from django.db import migrations, models

from lib.append_only import protect_append_only


class Migration(migrations.Migration):
    dependencies = [
        ("history", "0002_hash_chain"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="event",
            constraint=models.UniqueConstraint(fields=("proposal", "prev_hash"), name="event_chain_link_unique"),
        ),
        protect_append_only("history_event"),
    ]
