"""A trigram index for the console's "part of a sender's username" search, on PostgreSQL only.

``username__icontains`` is ``UPPER(username) LIKE UPPER('%...%')``, which no B-tree can serve; a GIN
trigram index on the same expression can, for searches of three letters or more. SQLite has no
trigram indexes (and its users tables are small), so there this migration does nothing. The index
is kept out of the model's state: Django's ``GinIndex`` would emit PostgreSQL-only SQL on SQLite.
"""

from django.db import migrations

INDEX = "accounts_user_username_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON accounts_user "
        "USING gin ((UPPER(username::text)) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_enrolment_link")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
