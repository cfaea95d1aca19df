from django.db import migrations

# Before MIGRATION_MODULES = {"knox": None}, knox's migrations created its default token table
# (knox_authtoken), unused since accounts.ApiToken replaces it. It goes, with its migration records.
STATEMENTS = [
    "DROP TABLE IF EXISTS knox_authtoken",
    "DELETE FROM django_migrations WHERE app = 'knox'",
]


def drop_knox_default_table(apps, schema_editor):
    for statement in STATEMENTS:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_apitoken"),
    ]

    operations = [
        migrations.RunPython(drop_knox_default_table, migrations.RunPython.noop),
    ]
