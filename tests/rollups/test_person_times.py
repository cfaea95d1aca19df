import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from eldercare.rollups.models import AreaDailySnapshot, AreaProgress, BatchProgress, RecipientProgress
from eldercare.rollups.services import pace_at_risk, recompute_all, recount_recipients
from eldercare.visits.services import visit_void
from tests.factories import DisbursementFactory, FamilyCareBedFactory, FundAllocationFactory, ProviderFactory
from tests.rollups.conftest import CYCLE_START


def progress_of(recipient):
    return RecipientProgress.objects.get(recipient=recipient)


def area_progress(recipient):
    return AreaProgress.objects.get(area=recipient.area)


def test_29_counted_visits_make_no_person_time(recipient, log_visits_on_days):
    log_visits_on_days(29)
    assert progress_of(recipient).counted_visits == 29
    assert progress_of(recipient).reached_on is None
    assert area_progress(recipient).person_times_reached == 0
    assert area_progress(recipient).band_20_29 == 1


def test_the_30th_counted_visit_makes_one_person_time(recipient, log_visits_on_days):
    visits = log_visits_on_days(30)
    progress = progress_of(recipient)
    assert (progress.counted_visits, progress.reached_on) == (30, CYCLE_START + dt.timedelta(days=29))
    assert progress.reaching_visit == visits[-1]
    assert area_progress(recipient).person_times_reached == 1
    assert BatchProgress.objects.get(batch=recipient.area.batch).person_times_reached == 1


def test_a_60th_visit_still_makes_one_person_time(recipient, log_visits_on_days):
    log_visits_on_days(60)
    assert progress_of(recipient).counted_visits == 60
    assert area_progress(recipient).person_times_reached == 1


def test_voiding_the_30th_visit_takes_the_person_time_away(
    recipient, log_visits_on_days, django_capture_on_commit_callbacks
):
    visits = log_visits_on_days(30)
    with django_capture_on_commit_callbacks(execute=True):
        visit_void(visit=visits[-1], reason="核查未提供服务")
    assert progress_of(recipient).counted_visits == 29
    assert progress_of(recipient).reached_on is None
    assert area_progress(recipient).person_times_reached == 0


def test_two_visits_on_one_day_count_once(recipient, log_visits_on_days, log_visit, django_capture_on_commit_callbacks):
    from tests.conftest import at

    log_visits_on_days(3)
    with django_capture_on_commit_callbacks(execute=True):
        log_visit(start=at(CYCLE_START + dt.timedelta(days=2), 15))
    assert progress_of(recipient).counted_visits == 3


def test_recounting_twice_leaves_the_same_rows(recipient, log_visits_on_days):
    log_visits_on_days(5)

    def rows():
        return (
            list(RecipientProgress.objects.values_list("recipient_id", "counted_visits", "reached_on", "at_risk")),
            AreaProgress.objects.get().figures(),
        )

    recount_recipients([recipient.pk])
    first = rows()
    recount_recipients([recipient.pk])
    recompute_all()
    assert rows() == first


def test_verify_rollups_is_clean_after_incremental_updates(recipient, log_visits_on_days):
    log_visits_on_days(12)
    call_command("verify_rollups")  # raises CommandError on any difference
    assert area_progress(recipient).counted_visits == 12


def test_verify_rollups_reports_a_tampered_count_and_exits_non_zero(recipient, log_visits_on_days, capsys):
    log_visits_on_days(4)
    RecipientProgress.objects.filter(recipient=recipient).update(counted_visits=30)
    with pytest.raises(CommandError):
        call_command("verify_rollups")
    assert f"recipient {recipient.pk} counted visits: stored 30, recounted 4" in capsys.readouterr().out
    call_command("recompute_rollups", verbosity=0)
    call_command("verify_rollups")


def test_area_figures_add_up_beds_satisfaction_and_funds(recipient, log_visits_on_days, time_machine):
    log_visits_on_days(3, satisfaction="satisfied")
    log_visits_on_days(1, first_day=CYCLE_START + dt.timedelta(days=10), satisfaction="dissatisfied")
    inspector = ProviderFactory()
    FamilyCareBedFactory(
        recipient=recipient, status="accepted", accepted_on=dt.date(2023, 7, 20), acceptance_provider=inspector
    )
    FamilyCareBedFactory(
        area=recipient.area,
        status="withdrawn",
        withdrawn_on=dt.date(2023, 6, 20),
        withdrawal_reason="moved",
        applied_on=dt.date(2023, 6, 1),
        accepted_on=dt.date(2023, 6, 10),
        acceptance_provider=inspector,
    )
    FundAllocationFactory(area=recipient.area, use="beds", amount=Decimal("1000000"))
    FundAllocationFactory(area=recipient.area, use="home_visits", amount=Decimal("1000000"))
    DisbursementFactory(area=recipient.area, amount=Decimal("500000"), paid_on=dt.date(2023, 7, 5))
    DisbursementFactory(area=recipient.area, amount=Decimal("100000"), paid_on=dt.date(2023, 12, 5))
    recompute_all(today=dt.date(2023, 7, 31))
    figures = area_progress(recipient)
    assert figures.beds_accepted == 1  # the bed accepted before the cycle does not count
    assert (figures.rated_visits, figures.satisfied_visits, figures.satisfaction_rate) == (4, 3, Decimal("75.0"))
    assert (figures.funds_allocated, figures.funds_disbursed) == (Decimal("2000000"), Decimal("500000"))
    assert figures.funds_execution_rate == Decimal("25.0")
    assert AreaDailySnapshot.objects.get(area=recipient.area, day=dt.date(2023, 7, 31)).beds_accepted == 1


def test_bands_place_each_recipient_by_counted_visits(recipient, log_visits_on_days, time_machine):
    from tests.factories import AssessmentFactory, RecipientFactory

    log_visits_on_days(12)
    idle = RecipientFactory(area=recipient.area, provider=recipient.provider)
    AssessmentFactory(recipient=idle)
    recompute_all()
    figures = area_progress(recipient)
    assert (figures.recipients, figures.band_0, figures.band_1_9, figures.band_10_19) == (2, 1, 0, 1)


@pytest.mark.parametrize(
    ("counted", "first_counted", "today", "expected"),
    [
        (30, dt.date(2023, 7, 1), dt.date(2023, 8, 1), False),  # reached
        (10, dt.date(2023, 7, 1), dt.date(2023, 7, 31), False),  # 10 in 31 days: 10 + 0.32 × 335 ≫ 30
        (2, dt.date(2023, 7, 1), dt.date(2024, 3, 1), True),  # 2 in 245 days: will not make 30
        (20, dt.date(2023, 7, 1), dt.date(2024, 6, 25), True),  # 10 still needed, 6 days left
        (0, None, dt.date(2023, 7, 15), True),  # no service yet: no pace at all
        (0, None, dt.date(2023, 6, 15), False),  # cycle not started
        (25, dt.date(2023, 7, 1), dt.date(2024, 7, 1), True),  # cycle over without reaching 30
    ],
)
def test_the_pace_model_flags_recipients_who_will_not_reach_30(counted, first_counted, today, expected):
    assert (
        pace_at_risk(
            counted=counted,
            needed=30,
            first_counted=first_counted,
            cycle_start=dt.date(2023, 7, 1),
            cycle_end=dt.date(2024, 6, 30),
            today=today,
        )
        is expected
    )


def test_with_the_broker_down_visits_are_saved_and_the_recount_queue_catches_up(
    recipient, log_visits_on_days, caplog, monkeypatch
):
    from eldercare.core.models import RecountRequest
    from eldercare.rollups.queue import drain_recount_queue
    from tests.services import celery_publishing_to

    # The publishing back-off is per process: start without one and leave none behind for later tests.
    monkeypatch.setattr("eldercare.core.queue._skip_publishing_until", 0.0)
    with celery_publishing_to("redis://127.0.0.1:1/0"):  # nothing listens on port 1
        visits = log_visits_on_days(3)
    assert len(visits) == 3
    # The first failed publish starts the back-off: the next requests neither try nor wait again.
    assert caplog.text.count("could not be queued") == 1
    assert not RecipientProgress.objects.filter(recipient=recipient).exists()
    assert RecountRequest.objects.filter(recipient_id=recipient.pk).exists()  # the work is kept, not lost
    drain_recount_queue()
    assert progress_of(recipient).counted_visits == 3
    assert not RecountRequest.objects.exists()
    call_command("verify_rollups")


def test_the_nightly_reconcile_runs_per_area_and_closes_its_run_when_the_last_area_is_done(
    recipient, log_visits_on_days
):
    from eldercare.rollups.models import RollupRun
    from eldercare.rollups.tasks import reconcile_task
    from tests.factories import PilotAreaFactory

    log_visits_on_days(5)
    PilotAreaFactory()  # a second area with nothing in it
    RecipientProgress.objects.all().delete()  # drift the reconcile must repair
    run = RollupRun.objects.get(pk=reconcile_task.delay().get())
    assert (run.areas, run.areas_done) == (2, 2)
    assert run.finished_at is not None
    assert progress_of(recipient).counted_visits == 5
    call_command("verify_rollups")


@pytest.mark.parametrize("counted", [0, 2, 10, 20, 25, 30])
@pytest.mark.parametrize(
    "today",
    [dt.date(2023, 6, 15), dt.date(2023, 7, 31), dt.date(2024, 3, 1), dt.date(2024, 6, 25), dt.date(2024, 7, 1)],
)
def test_the_recount_flags_at_risk_exactly_as_the_documented_pace_model(counted, today, db):
    from tests.conftest import at
    from tests.factories import RecipientFactory, VisitFactory

    person = RecipientFactory()
    first = CYCLE_START + dt.timedelta(days=3)
    for offset in range(counted):
        VisitFactory(recipient=person, started_at=at(first + dt.timedelta(days=offset * 2)), is_countable=True)
    recount_recipients([person.pk], today=today)
    expected = pace_at_risk(
        counted=counted,
        needed=30,
        first_counted=first if counted else None,
        cycle_start=person.area.cycle_start,
        cycle_end=person.area.cycle_end,
        today=today,
    )
    assert progress_of(person).at_risk is expected
