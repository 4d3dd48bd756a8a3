"""Put back the partial unique index behind ``one_accepted_answer`` where 0008 lost it.

On PostgreSQL, 0008's ``AlterField`` of ``question`` (dropping its own index) also dropped every
other index on ``question_id`` it did not recognise as one of the model's, and the constraint
"at most one accepted answer per question" is such an index (``UNIQUE ... WHERE is_accepted``).
SQLite rebuilt the table from the model and kept it. ``IF NOT EXISTS`` makes this safe on a
database where 0008 ran before this fix and on one where it did not.
"""

from django.db import migrations


def restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS one_accepted_answer ON forum_post (question_id) WHERE is_accepted"
        )


class Migration(migrations.Migration):
    dependencies = [("forum", "0009_post_rank_updates_in_place")]

    operations = [migrations.RunPython(restore, migrations.RunPython.noop)]
