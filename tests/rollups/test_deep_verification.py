"""`verify_rollups --deep`: exceptions and countable flags re-derived from the raw records, not trusted.

Each tamper here is made behind the services' back (raw SQL), as a hand fix in the database, a
restore or a bug would: the plain check, which trusts the stored exceptions, cannot see most of them.
"""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation

from eldercare.rollups.models import RecipientProgress, RollupRun
from eldercare.rollups.queue import drain_recount_queue
from eldercare.rollups.services import recompute_all
from eldercare.rollups.verification import (
    DEEP_SAMPLE_QUEUED,
    claim_nightly_deep_sample,
    sample_visit_ids,
    verify_deep,
)
from eldercare.visits.models import ExceptionStatus, ReviewReasonCode, Visit, VisitException
from eldercare.visits.services import exceptions_resolve, visit_void
from eldercare.visits.verification import verify_visits
from tests.conftest import at, north_of
from tests.factories import AssessmentFactory, RecipientFactory, VisitFactory
from tests.rollups.conftest import CYCLE_START


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def during_the_cycle(time_machine):
    """The day after the default visit day (2023-08-01), so no visit here is a late entry."""
    time_machine.move_to(at(dt.date(2023, 8, 2), 10))


@pytest.fixture
def logged(log_visit, during_the_cycle):
    """Log a visit through the service and drain the recount queue, as a worker would right after."""

    def log(**fields):
        visit = log_visit(**fields)
        drain_recount_queue()
        return visit

    return log


def deep(capsys, *args) -> str:
    """Run `verify_rollups --deep`; return what it printed (a CommandError propagates)."""
    capsys.readouterr()
    call_command("verify_rollups", "--deep", *args)
    return capsys.readouterr().out


def deep_fails(capsys, *args) -> str:
    capsys.readouterr()
    with pytest.raises(CommandError):
        call_command("verify_rollups", "--deep", *args)
    return capsys.readouterr().out


def sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def counted(recipient) -> int:
    return RecipientProgress.objects.get(recipient=recipient).counted_visits


def test_the_deep_check_is_clean_after_visits_logged_through_the_services(recipient, log_visits_on_days, capsys):
    log_visits_on_days(5)
    out = deep(capsys)
    assert "Deep check: 5 visits of 1 recipients re-derived from the raw records." in out
    assert "Stored exceptions and countable flags equal what the raw records say." in out


def test_an_economic_category_changed_by_sql_fails_the_deep_check_until_a_reverify(
    recipient, log_visits_on_days, capsys
):
    visits = log_visits_on_days(5)
    assert counted(recipient) == 5
    sql("UPDATE recipients_recipient SET economic_category = 'none' WHERE id = %s", [recipient.pk])

    call_command("verify_rollups")  # the plain check trusts the stored exceptions: it sees nothing
    out = deep_fails(capsys)
    code = recipient.area.region.code
    assert f"{code} visit {visits[0].pk} missing exception not_eligible: stored none, recounted derived" in out
    assert f"{code} visit {visits[0].pk} countable flag: stored True, recounted False" in out
    assert f"recipient {recipient.pk} counted visits (from derived flags): stored 5, recounted 0" in out
    assert RollupRun.objects.filter(kind=RollupRun.Kind.VERIFY).latest().differences == 11  # 5 + 5 + 1

    call_command("recompute_rollups", "--reverify", verbosity=0)
    assert counted(recipient) == 0
    assert VisitException.objects.filter(visit__recipient=recipient, type="not_eligible", status="open").count() == 5
    deep(capsys)


def test_an_open_exception_deleted_by_sql_is_missing(recipient, logged, capsys):
    short = logged(minutes=10)
    exception = VisitException.objects.get(visit=short, type="too_short")
    assert exception.status == ExceptionStatus.OPEN
    sql("DELETE FROM visits_visitexception WHERE id = %s", [exception.pk])

    out = deep_fails(capsys)
    assert f"visit {short.pk} missing exception too_short: stored none, recounted derived" in out
    call_command("recompute_rollups", "--reverify", verbosity=0)
    deep(capsys)
    assert VisitException.objects.get(visit=short, type="too_short").status == ExceptionStatus.OPEN


def test_a_blocking_exception_accepted_by_sql_is_found(recipient, logged, capsys):
    short = logged(minutes=10)
    code = ReviewReasonCode.objects.create(code="A01", label="电话回访核实", decision="accept")
    exception = VisitException.objects.get(visit=short, type="too_short")
    # The row's own check constraints let only a warning be accepted: the tamper rewrites the severity too.
    sql(
        "UPDATE visits_visitexception SET status = 'accepted', severity = 'warning', reason_code_id = %s,"
        " resolved_at = %s WHERE id = %s",
        [code.pk, timezone.now(), exception.pk],
    )
    out = deep_fails(capsys)
    assert f"visit {short.pk} blocking exception too_short accepted: stored accepted, recounted never accepted" in out


def test_an_open_exception_that_no_longer_applies_is_stale(recipient, logged, capsys):
    far = logged(checkin_latitude=north_of(recipient.home_latitude, 900), checkin_longitude=recipient.home_longitude)
    assert VisitException.objects.get(visit=far).type == "far_checkin"
    # The home is moved next to the check-in behind the services' back: nothing re-checks the visit.
    sql("UPDATE recipients_recipient SET home_latitude = %s WHERE id = %s", [far.checkin_latitude, recipient.pk])

    out = deep_fails(capsys)
    assert f"visit {far.pk} stale exception far_checkin: stored open, recounted not derived" in out
    assert f"visit {far.pk} countable flag: stored False, recounted True" in out
    call_command("recompute_rollups", "--reverify", verbosity=0)
    deep(capsys)
    assert counted(recipient) == 1


def test_an_accepted_warning_counts_and_stays_on_record_after_the_visit_is_voided(
    recipient, logged, admin_user, capsys
):
    far = logged(checkin_latitude=north_of(recipient.home_latitude, 900), checkin_longitude=recipient.home_longitude)
    code = ReviewReasonCode.objects.create(code="A01", label="电话回访核实", decision="accept")
    exceptions_resolve(
        exception_ids=[far.exceptions.get().pk], decision="accept", reason_code=code, acting_user=admin_user
    )
    drain_recount_queue()
    assert counted(recipient) == 1
    deep(capsys)  # a warning a reviewer accepted: the visit rightly counts

    visit_void(visit=far, reason="录入错误", acting_user=admin_user)
    drain_recount_queue()
    assert counted(recipient) == 0
    # The reviewer's acceptance stays (verification never clears an accepted exception) and holds nothing back.
    assert far.exceptions.get().status == ExceptionStatus.ACCEPTED
    deep(capsys)


def world(time_machine, recipients: int = 6, visits_each: int = 3) -> list:
    """Recipients in their own areas, each with visits on consecutive cycle days, verified and counted."""
    time_machine.move_to(at(CYCLE_START + dt.timedelta(days=visits_each), 20))
    people = []
    for _ in range(recipients):
        person = RecipientFactory()
        AssessmentFactory(recipient=person, assessed_on=dt.date(2023, 6, 1), level="severe")
        for day in range(visits_each):
            VisitFactory(recipient=person, started_at=at(CYCLE_START + dt.timedelta(days=day)))
        people.append(person)
    verify_visits(Visit.objects.values_list("pk", flat=True))
    recompute_all()
    return people


def test_a_sample_is_the_same_for_the_same_seed_and_differs_for_another(db, time_machine):
    world(time_machine)
    first = sample_visit_ids(5, seed=7)
    assert len(first) == 5 and set(first) <= set(Visit.objects.values_list("pk", flat=True))
    assert sample_visit_ids(5, seed=7) == first
    assert sample_visit_ids(5, seed=8) != first
    assert sorted(sample_visit_ids(100, seed=7)) == sorted(Visit.objects.values_list("pk", flat=True))


def test_a_sample_within_one_area_draws_only_that_areas_visits(db, time_machine):
    people = world(time_machine)
    area = people[2].area
    drawn = sample_visit_ids(2, seed=1, area_ids=[area.pk])
    assert len(drawn) == 2
    assert set(Visit.objects.filter(pk__in=drawn).values_list("area_id", flat=True)) == {area.pk}
    assert sample_visit_ids(2, seed=1, area_ids=[area.pk]) == drawn


def test_a_sample_checks_every_visit_of_the_sampled_recipients_and_only_theirs(db, time_machine, capsys):
    people = world(time_machine)
    drawn = sample_visit_ids(2, seed=3)
    sampled = set(Visit.objects.filter(pk__in=drawn).values_list("recipient_id", flat=True))
    outside = next(person for person in people if person.pk not in sampled)
    sql("UPDATE recipients_recipient SET economic_category = 'none' WHERE id = %s", [outside.pk])

    out = deep(capsys, "--sample", "2", "--seed", "3")  # the tampered recipient is not in this sample
    assert "Random sample of 2 visits (seed 3), with every visit of their recipients." in out
    assert f"Deep check: {3 * len(sampled)} visits of {len(sampled)} recipients" in out
    assert deep(capsys, "--sample", "2", "--seed", "3") == out  # reproducible

    inside = next(iter(sampled))
    sql("UPDATE recipients_recipient SET economic_category = 'none' WHERE id = %s", [inside])
    out = deep_fails(capsys, "--sample", "2", "--seed", "3")
    assert f"recipient {inside} counted visits (from derived flags): stored 3, recounted 0" in out
    assert f"recipient {outside.pk} " not in out


def test_the_deep_check_works_in_groups_and_chunks_and_caps_what_it_prints(db, time_machine, monkeypatch, capsys):
    people = world(time_machine, recipients=5, visits_each=3)
    monkeypatch.setattr("eldercare.rollups.verification.deep.RECIPIENT_GROUP", 2)
    monkeypatch.setattr("eldercare.rollups.verification.deep.VISIT_CHUNK", 2)
    for person in people:
        sql("UPDATE recipients_recipient SET economic_category = 'none' WHERE id = %s", [person.pk])

    result = verify_deep()
    assert (result.visits_checked, result.recipients_checked) == (15, 5)
    assert result.difference_count == 15 + 15 + 5  # missing exception and flag per visit, count per recipient
    out = deep_fails(capsys, "--show", "4")
    assert "… and 31 more (35 in all)." in out


def test_the_nightly_reconcile_ends_with_a_deep_sample_stored_on_its_run(
    recipient, log_visits_on_days, time_machine, settings
):
    from eldercare.rollups.tasks import reconcile_task

    settings.NIGHTLY_DEEP_SAMPLE = 3
    log_visits_on_days(5)
    run = RollupRun.objects.get(pk=reconcile_task.delay().get())
    assert run.differences == 0
    assert "deep check: sample of 3 visits" in run.note
    assert not claim_nightly_deep_sample(run.pk)  # queued once only

    # A month on, past the nightly re-check window: only the deep sample can see a tamper.
    time_machine.move_to(at(CYCLE_START + dt.timedelta(days=40), 2))
    sql("UPDATE recipients_recipient SET economic_category = 'none' WHERE id = %s", [recipient.pk])
    run = RollupRun.objects.get(pk=reconcile_task.delay().get())
    assert run.differences == 5 + 5 + 1  # the sample's recipient: every visit and the recount
    assert f"recipient {recipient.pk} counted visits (from derived flags): stored 5, recounted 0" in run.note
    verification = RollupRun.objects.filter(kind=RollupRun.Kind.VERIFY).latest()
    assert f"(verification run #{verification.pk})" in run.note


def test_the_deep_sample_is_queued_only_once_the_run_is_finished(db):
    run = RollupRun.objects.create(kind=RollupRun.Kind.RECONCILE, started_at=timezone.now(), areas=2)
    assert not claim_nightly_deep_sample(run.pk)
    run.finished_at = timezone.now()
    run.save()
    assert claim_nightly_deep_sample(run.pk)
    run.refresh_from_db()
    assert run.note == DEEP_SAMPLE_QUEUED


@pytest.mark.django_db
def test_the_benchmark_world_is_clean_under_the_deep_check(reference_data):
    """A world of a few thousand visits with overlaps, far check-ins, short visits and accepted warnings.

    On PostgreSQL its exceptions come from the app's set-based verification over the whole table
    (`verify_all_visits`), as the benchmark establishes them: the deep check, which derives them one
    visit at a time, agrees with it visit by visit.
    """
    from bench.generate import WorldSize, generate_world
    from bench.verification import establish_verification

    def quiet(*_args):
        pass

    # As the benchmark does: verification is established while the generator has the indexes dropped.
    generate_world(WorldSize.at(0.0005), seed=7, log=quiet, before_indexes=lambda: establish_verification(log=quiet))
    recompute_all()
    assert VisitException.objects.filter(status=ExceptionStatus.ACCEPTED).exists()

    result = verify_deep()
    assert result.visits_checked == Visit.objects.count() > 1000
    assert result.differences == [] and result.clean
    assert verify_deep(sample=200, seed=1).clean
