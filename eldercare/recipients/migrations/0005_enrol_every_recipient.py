"""Every recipient registered before enrolments existed is enrolled in their current (household) area.

Visits counted before this migration keep counting: each such visit lies in its recipient's household
area, and this enrolment covers that area's cycle (tests/enrolments/test_migration.py compares every
roll-up before and after). Going back drops the enrolments with their table.
"""

from django.db import migrations

BATCH = 2000


def enrol_every_recipient(apps, schema_editor):
    Recipient = apps.get_model("recipients", "Recipient")
    Enrolment = apps.get_model("recipients", "Enrolment")
    enrolled = set(Enrolment.objects.values_list("recipient_id", "area_id"))
    rows = []
    for pk, area_id, created_at in Recipient.objects.values_list("pk", "area_id", "created_at").iterator():
        if (pk, area_id) in enrolled:
            continue
        rows.append(Enrolment(recipient_id=pk, area_id=area_id, enrolled_on=created_at.date()))
        if len(rows) >= BATCH:
            Enrolment.objects.bulk_create(rows)
            rows = []
    Enrolment.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [("recipients", "0004_enrolment")]

    operations = [migrations.RunPython(enrol_every_recipient, migrations.RunPython.noop)]
