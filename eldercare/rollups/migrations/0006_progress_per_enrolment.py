# RecipientProgress becomes one row per person and pilot area (an enrolment), not one per person:
# its primary key changes from the recipient to an id. Changing a primary key in place is not
# portable, so the rows are kept in a plain copy, the table is dropped and made anew, and the
# rows copied back: every figure stays what it was (each person's one row is their household
# area's, where every existing recipient is enrolled). Backwards, the household area's row of each
# person is kept; rows of other enrolments are figures a recount rebuilds.

import django.db.models.deletion
from django.db import migrations, models

FIGURES = (
    "area_id, counted_visits, reached_on, reaching_visit_id, last_counted_on, "
    "completed_visits, rated_visits, satisfied_visits, at_risk, computed_at"
)
KEEP = f"CREATE TABLE rollups_progress_kept AS SELECT recipient_id, {FIGURES} FROM rollups_recipientprogress"
PUT_BACK = (
    f"INSERT INTO rollups_recipientprogress (recipient_id, {FIGURES}) "
    f"SELECT recipient_id, {FIGURES} FROM rollups_progress_kept"
)
KEEP_HOUSEHOLD_ROWS = (
    f"CREATE TABLE rollups_progress_kept AS SELECT p.recipient_id, {', '.join('p.' + c for c in FIGURES.split(', '))} "
    "FROM rollups_recipientprogress p JOIN recipients_recipient r ON r.id = p.recipient_id AND r.area_id = p.area_id"
)
DROP_KEPT = "DROP TABLE rollups_progress_kept"


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0002_batch_evidence_rules"),
        ("recipients", "0005_enrol_every_recipient"),
        ("rollups", "0005_provider_area_stats_from_dashboards"),
        ("visits", "0008_not_enrolled"),
    ]

    operations = [
        migrations.RunSQL(sql=KEEP, reverse_sql=[PUT_BACK, DROP_KEPT]),
        migrations.DeleteModel(name="RecipientProgress"),
        migrations.CreateModel(
            name="RecipientProgress",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("counted_visits", models.PositiveIntegerField(default=0, verbose_name="counted visits")),
                ("reached_on", models.DateField(blank=True, null=True, verbose_name="person-time reached on")),
                ("last_counted_on", models.DateField(blank=True, null=True, verbose_name="last counted visit on")),
                ("completed_visits", models.PositiveIntegerField(default=0, verbose_name="completed visits")),
                (
                    "rated_visits",
                    models.PositiveIntegerField(default=0, verbose_name="visits with a satisfaction rating"),
                ),
                (
                    "satisfied_visits",
                    models.PositiveIntegerField(default=0, verbose_name="satisfied or fairly satisfied visits"),
                ),
                ("at_risk", models.BooleanField(default=False, verbose_name="at risk of not reaching the person-time")),
                ("computed_at", models.DateTimeField(verbose_name="computed at")),
                (
                    "area",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="areas.pilotarea",
                        verbose_name="pilot area",
                    ),
                ),
                (
                    "reaching_visit",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="visits.visit",
                        verbose_name="visit that reached the person-time",
                    ),
                ),
                (
                    "recipient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="progress_rows",
                        to="recipients.recipient",
                        verbose_name="recipient",
                    ),
                ),
            ],
            options={
                "verbose_name": "recipient progress",
                "verbose_name_plural": "recipient progress",
                "indexes": [models.Index(fields=["area", "counted_visits"], name="progress_area_count")],
                "constraints": [
                    models.UniqueConstraint(fields=("recipient", "area"), name="progress_one_per_recipient_and_area")
                ],
            },
        ),
        migrations.RunSQL(sql=[PUT_BACK, DROP_KEPT], reverse_sql=KEEP_HOUSEHOLD_ROWS),
    ]
