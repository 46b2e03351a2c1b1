from django.db import migrations


def index_existing(apps, schema_editor):
    """Index what is already there (an existing installation); a new database has nothing to index."""
    if not apps.get_model("proposals", "Proposal").objects.exists():
        return
    from django.utils.module_loading import autodiscover_modules

    from search.index import rebuild

    autodiscover_modules("actions")
    rebuild(say=lambda line: None, workers=1)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
        ("proposals", "0002_proposal_is_major"),
        ("handling", "0006_drop_second_feedback_on"),
    ]

    operations = [migrations.RunPython(index_existing, migrations.RunPython.noop)]
