"""Rows stored before the input policy (or by hand): `find_bad_rows` names them, and reads survive them.

The bad rows are written the way they got in: past the services, with `update()` or raw SQL.
"""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from eldercare.accounts.models import Role, RoleAssignment
from eldercare.core.bad_rows import CONTROL_CHARACTERS, IMPLAUSIBLE, UNREADABLE, find_bad_rows
from eldercare.core.input_policy import READ_CEILING
from eldercare.recipients.models import Recipient
from eldercare.rollups.queue import drain_recount_queue
from eldercare.visits.models import Visit
from eldercare.visits.verification.contract import enqueue_verification
from tests.conftest import at
from tests.factories import AssessmentFactory, CaregiverFactory, RecipientFactory, ServiceCategoryFactory

NOW = at(dt.date(2023, 8, 2), 10)
# After year 9999 in UTC: PostgreSQL keeps it, Python cannot hold it.
BEYOND_PYTHON = "10000-01-01 11:00:00+00"
# Inside Python's range in UTC, beyond it in Beijing time.
BEYOND_LOCAL_TIME = dt.datetime(9999, 12, 31, 20, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def during_the_cycle(time_machine):
    time_machine.move_to(NOW)


@pytest.fixture
def visits(db):
    """A recipient with two visits by two caregivers: `bad` is about to be spoiled, `good` is its neighbour."""
    from eldercare.visits import services

    recipient = RecipientFactory()
    AssessmentFactory(recipient=recipient, assessed_on=dt.date(2023, 6, 1), level="severe")
    category = ServiceCategoryFactory()

    def log(day):
        start = at(day, 9)
        return services.visit_create(
            recipient=recipient,
            provider=recipient.provider,
            caregiver=CaregiverFactory(provider=recipient.provider),
            category=category,
            started_at=start,
            ended_at=start + dt.timedelta(hours=1),
            checkin_latitude=recipient.home_latitude,
            checkin_longitude=recipient.home_longitude,
        )

    return log(dt.date(2023, 7, 31)), log(dt.date(2023, 8, 1))


def spoil_end(visit: Visit, how: str) -> None:
    if how == "beyond Python":
        if connection.vendor != "postgresql":
            pytest.skip("only PostgreSQL stores a timestamp after year 9999")
        with connection.cursor() as cursor:
            for table in ("visits_visit", "visits_historicalvisit"):
                cursor.execute(f"UPDATE {table} SET ended_at = %s WHERE id = %s", [BEYOND_PYTHON, visit.pk])  # noqa: S608
    else:
        Visit.objects.filter(pk=visit.pk).update(ended_at=BEYOND_LOCAL_TIME)
        Visit.history.filter(id=visit.pk).update(ended_at=BEYOND_LOCAL_TIME)


def test_a_clean_database_has_no_bad_rows_and_the_command_says_so(visits, capsys):
    assert find_bad_rows() == []
    call_command("find_bad_rows")
    assert "No bad rows." in capsys.readouterr().out


def test_a_time_outside_the_window_is_named_by_model_field_and_id_and_the_command_exits_1(visits, capsys):
    bad, good = visits
    Visit.objects.filter(pk=bad.pk).update(started_at=at(dt.date(1900, 7, 31), 9), ended_at=at(dt.date(2100, 1, 1)))
    found = {(row.model, row.field, row.problem): row.ids for row in find_bad_rows()}
    assert found[("visits.Visit", "started_at", IMPLAUSIBLE)] == (bad.pk,)
    assert found[("visits.Visit", "ended_at", IMPLAUSIBLE)] == (bad.pk,)
    with pytest.raises(CommandError, match="bad value"):
        call_command("find_bad_rows")
    assert f"visits.Visit.ended_at: 1 row(s) outside the window: #{bad.pk}" in capsys.readouterr().out


def test_control_characters_in_stored_text_are_found(visits):
    bad, good = visits
    Visit.objects.filter(pk=bad.pk).update(note="第一行\n第二行")  # multi-line text may hold a newline
    assert find_bad_rows() == []
    Visit.objects.filter(pk=good.pk).update(note="响铃\x07")
    Recipient.objects.filter(pk=bad.recipient_id).update(name="张\t三")  # a name is one line
    found = {(row.model, row.field, row.problem): row.ids for row in find_bad_rows()}
    assert found[("visits.Visit", "note", CONTROL_CHARACTERS)] == (good.pk,)
    assert found[("recipients.Recipient", "name", CONTROL_CHARACTERS)] == (bad.recipient_id,)


def test_a_nul_stored_by_sqlite_is_found(visits):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL cannot store a NUL in text")
    bad, good = visits
    Visit.objects.filter(pk=bad.pk).update(note="上门\x00服务")
    found = {(row.model, row.field, row.problem): row.ids for row in find_bad_rows()}
    assert found[("visits.Visit", "note", CONTROL_CHARACTERS)] == (bad.pk,)


def test_timestamps_set_ahead_by_design_are_not_reported(visits, django_user_model):
    from eldercare.exports.models import ExportJob

    user = django_user_model.objects.create_user("auditor")
    ExportJob.objects.create(
        requester=user,
        kind="visits",
        format="csv",
        scope_level="national",
        as_of=NOW.date(),
        expires_at=NOW + dt.timedelta(days=7),
    )
    assert find_bad_rows() == []


@pytest.mark.parametrize("how", ["beyond Python", "beyond local time"])
def test_a_row_python_cannot_read_is_named_without_being_loaded(visits, how):
    bad, good = visits
    spoil_end(bad, how)
    found = {(row.model, row.field, row.problem): row.ids for row in find_bad_rows()}
    assert found[("visits.Visit", "ended_at", UNREADABLE)] == (bad.pk,)
    assert found[("visits.HistoricalVisit", "ended_at", UNREADABLE)]


@pytest.mark.parametrize("how", ["beyond Python", "beyond local time"])
def test_reads_survive_the_bad_row_and_its_neighbour_is_still_verified(visits, how, django_user_model):
    bad, good = visits
    spoil_end(bad, how)
    Visit.objects.filter(pk=good.pk).update(is_countable=False)  # as a bulk upload leaves it, unverified

    assert Visit.objects.get(pk=bad.pk).ended_at == READ_CEILING  # the read bound, not an error
    # As a bulk upload queues both visits: the bad one must not take the batch's verification down.
    enqueue_verification(visits=[(visit.recipient_id, visit.service_date) for visit in visits], reason="test")
    drain_recount_queue()  # the verification task's work
    assert Visit.objects.get(pk=good.pk).is_countable

    user = django_user_model.objects.create_user("staff")
    RoleAssignment.objects.create(user=user, role=Role.PROVIDER_STAFF, provider=bad.provider)
    client = APIClient()
    client.force_authenticate(user)
    listed = client.get("/api/v1/visits/", {"recipient": bad.recipient_id})
    assert listed.status_code == 200
    assert {row["id"] for row in listed.json()["results"]} == {bad.pk, good.pk}
    assert client.get(f"/api/v1/visits/{bad.pk}/").status_code == 200
    call_command("verify_rollups", "--deep")  # raises CommandError on a difference; must not crash

    from eldercare.exports.models import ExportJob, ExportStatus
    from eldercare.exports.services import export_run

    auditor = django_user_model.objects.create_user("auditor")
    RoleAssignment.objects.create(user=auditor, role=Role.AUDITOR)
    job = ExportJob.objects.create(
        requester=auditor, kind="visits", format="csv", scope_level="national", as_of=NOW.date()
    )
    export_run(job.pk)  # the visit ledger, streamed to a file
    job.refresh_from_db()
    assert (job.status, job.error) == (ExportStatus.DONE, "")
