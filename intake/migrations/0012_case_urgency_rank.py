"""The triage queue at scale: the urgency as a stored rank, and indexes for the queue's order and search.

The rank is a generated column: the database writes it whenever urgency is
written, so no code path can let it fall out of step. The rank's numbers are
a copy of the vocabulary's order, as migrations must keep.

On PostgreSQL, search by part of a name goes through a trigram index on the
upper-cased name (what Django's case-insensitive `contains` compares); SQLite
has no such index and scans.
"""

import django.db.models.functions.text
from django.db import migrations, models

TRIGRAM_INDEX = "case_name_trigram"


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON intake_case USING gin (UPPER(name) gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("intake", "0011_api_tokens_for_administrators"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="urgency_rank",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Case(
                    models.When(then=models.Value(0), urgency="self_care"),
                    models.When(then=models.Value(1), urgency="routine"),
                    models.When(then=models.Value(2), urgency="soon"),
                    models.When(then=models.Value(3), urgency="urgent"),
                    models.When(then=models.Value(4), urgency="emergency"),
                    default=models.Value(-1),
                ),
                output_field=models.SmallIntegerField(),
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["-urgency_rank", "created_at", "id"], name="case_queue_order"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(django.db.models.functions.text.Upper("email"), name="case_email_upper"),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index, elidable=False),
    ]
