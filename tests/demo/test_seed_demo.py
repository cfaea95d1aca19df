"""The demo world's records: reproducible, demo-marked, valid, and dated like the world they describe."""

import datetime as dt
import hashlib
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from eldercare.areas.models import Batch, Disbursement, PilotArea
from eldercare.beds.models import BedStatus, FamilyCareBed, RetrofitItem
from eldercare.core.validators import age_on, parse_resident_id, validate_credit_code
from eldercare.demo.world import demo_world_create
from eldercare.providers.models import Caregiver, Provider
from eldercare.recipients.enrolments import enrolment_area_id_on, enrolments_by_recipient
from eldercare.recipients.models import CapabilityAssessment, Recipient
from eldercare.rollups.models import AreaDailySnapshot, AreaProgress, RecipientProgress
from eldercare.visits.models import Visit, VisitException, VisitStatus
from tests.demo.conftest import TODAY


def world_digest() -> str:
    """A fingerprint of everything the generator decides and the figures it leads to, independent of keys."""
    rows = [
        *Recipient.objects.values_list(
            "resident_id", "name", "sex", "birth_date", "address", "home_latitude", "home_longitude",
            "economic_category", "area__region__code", "area__batch__year", "provider__credit_code", "guardian_name",
        ),
        *CapabilityAssessment.objects.values_list("recipient__resident_id", "assessed_on", "level", "assessor_name"),
        *Provider.objects.values_list(
            "credit_code", "name", "offers_home_visits", "does_bed_retrofit", "does_assessment_design",
            "does_acceptance", "areas__region__code", "areas__batch__year",
        ),
        *Caregiver.objects.values_list("provider__credit_code", "employee_number", "name"),
        *PilotArea.objects.values_list(
            "batch__year", "region__code", "cycle_start", "cycle_end", "target_person_times", "target_beds"
        ),
        *FamilyCareBed.objects.values_list(
            "recipient__resident_id", "status", "applied_on", "plan_signed_on", "retrofit_started_on",
            "retrofit_finished_on", "accepted_on", "service_started_on", "withdrawn_on", "withdrawal_reason",
            "platform_account",
        ),
        *RetrofitItem.objects.values_list(
            "bed__recipient__resident_id", "catalog_item__code", "cost", "serial_number", "installed_on",
        ),
        *Visit.objects.values_list(
            "client_uuid", "recipient__resident_id", "caregiver__employee_number", "category__code", "started_at",
            "ended_at", "service_date", "checkin_latitude", "checkin_longitude", "satisfaction", "status",
            "created_at", "is_countable",
        ),
        *Disbursement.objects.values_list("area__region__code", "voucher_number", "paid_on", "amount", "use", "payee"),
        *AreaProgress.objects.values_list(
            "area__region__code", "area__batch__year", "person_times_reached", "beds_accepted", "at_risk",
            "counted_visits", "funds_disbursed",
        ),
        *AreaDailySnapshot.objects.values_list("area__region__code", "day", "person_times_reached", "at_risk"),
    ]  # fmt: skip
    return hashlib.sha256("\n".join(sorted(map(repr, rows))).encode()).hexdigest()


def generate_and_digest(*, seed: int, recipients: int = 120) -> str:
    """Generate inside a savepoint, fingerprint, and roll back, so the next call starts from the same database."""
    with transaction.atomic():
        demo_world_create(today=TODAY, recipients=recipients, seed=seed)
        digest = world_digest()
        transaction.set_rollback(True)
    assert not Recipient.objects.exists()
    return digest


def test_the_same_seed_size_and_day_give_identical_records_and_figures(small_world, today):
    assert generate_and_digest(seed=11) == generate_and_digest(seed=11)


def test_a_different_seed_gives_different_data(small_world, today):
    assert generate_and_digest(seed=11) != generate_and_digest(seed=12)


def test_a_running_batch_marked_as_demo_repeats_every_region_with_a_cycle_40_to_80_percent_elapsed(small_world, today):
    summary = demo_world_create(today=TODAY, recipients=150, seed=3)

    running = Batch.objects.get(year=summary.running_batch)
    assert running.name.endswith("（示例）") and running.visits_per_person_time == 30
    areas = PilotArea.objects.filter(batch=running).select_related("region")
    assert {area.region.code for area in areas} == {area.region.code for area in small_world}
    for area in areas:
        assert area.is_demo
        elapsed = ((TODAY - area.cycle_start).days + 1) / ((area.cycle_end - area.cycle_start).days + 1)
        assert 0.39 <= elapsed <= 0.81, (area, elapsed)
        assert 0 < area.target_person_times <= 3 * area.recipients.count()
        assert area.allocations.count() == 2
    assert PilotArea.objects.filter(batch=small_world[0].batch).count() == 5  # the finished batch is left as it was


def test_every_row_is_demo_data_with_valid_national_identifiers(small_world, today):
    demo_world_create(today=TODAY, recipients=150, seed=3)

    assert Recipient.objects.count() == 150
    for recipient in Recipient.objects.select_related("area__region"):
        assert recipient.is_demo
        info = parse_resident_id(recipient.resident_id)
        assert info.division_code == recipient.area.region.code
        assert (info.birth_date, info.sex) == (recipient.birth_date, recipient.sex)
        assert 60 <= age_on(info.birth_date, recipient.area.cycle_start) <= 100
        assert recipient.home_latitude is not None and recipient.address.startswith(recipient.area.region.full_name)
        recipient.full_clean()
    for provider in Provider.objects.all():
        validate_credit_code(provider.credit_code)
        assert provider.is_demo and provider.name.startswith("示例·")
        provider.full_clean()


def test_each_region_s_organisations_cover_every_role_in_both_batches(small_world, today):
    demo_world_create(today=TODAY, recipients=90, seed=5)

    for area in PilotArea.objects.all():
        providers = Provider.objects.filter(areas=area)
        assert 2 <= providers.count() <= 3
        for role in ("offers_home_visits", "does_bed_retrofit", "does_assessment_design", "does_acceptance"):
            assert providers.filter(**{role: True}).exists(), (area, role)
    assert not Caregiver.objects.filter(provider__offers_home_visits=False).exists()
    assert Caregiver.objects.values("provider").annotate(n=Count("id")).filter(n__lt=3).count() == 0


def test_some_people_are_reassessed_mid_cycle_and_a_few_are_not_eligible(small_world, today):
    demo_world_create(today=TODAY, recipients=300, seed=8)

    reassessed = CapabilityAssessment.objects.exclude(note="").select_related("recipient__area")
    assert reassessed.exists()
    assert all(a.recipient.area.cycle_contains(a.assessed_on) for a in reassessed)
    assert CapabilityAssessment.objects.filter(level="intact").exists()
    assert Recipient.objects.filter(economic_category="none").exists()


def test_beds_occur_in_every_state_and_follow_the_lifecycle(small_world, today):
    demo_world_create(today=TODAY, recipients=200, seed=3)

    assert set(FamilyCareBed.objects.values_list("status", flat=True)) == set(BedStatus.values)
    assert (
        not FamilyCareBed.objects.exclude(status="withdrawn")
        .values("recipient")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for bed in FamilyCareBed.objects.select_related("recipient", "area"):
        bed.full_clean()
        dates = [
            bed.applied_on,
            bed.plan_signed_on,
            bed.retrofit_started_on,
            bed.retrofit_finished_on,
            bed.accepted_on,
            bed.service_started_on,
            bed.withdrawn_on,
        ]
        present = [day for day in dates if day]
        assert present == sorted(present) and present[-1] <= TODAY
        if bed.status in ("accepted", "in_service"):
            assert bed.acceptance_provider.does_acceptance and bed.area.cycle_contains(bed.accepted_on)
            assert bed.acceptance_provider != bed.retrofit_provider
        if bed.status == "withdrawn":
            assert bed.withdrawal_reason
            if bed.area.is_demo and bed.area.cycle_end > TODAY:
                assert bed.accepted_on is None  # a running area's accepted beds are exactly the planned ones
        if bed.status in ("awaiting_acceptance", "accepted", "in_service"):
            assert bed.items.exists()
    for item in RetrofitItem.objects.select_related("catalog_item", "bed"):
        item.full_clean()
        if item.catalog_item.is_device:
            assert item.serial_number and item.installed_on and item.warranty_months >= 12


def test_visits_are_entered_on_time_within_the_cycle_by_the_recipient_s_own_provider(small_world, today):
    demo_world_create(today=TODAY, recipients=200, seed=3)

    visits = list(Visit.objects.select_related("recipient", "caregiver", "area"))
    assert visits
    enrolments = enrolments_by_recipient({visit.recipient_id for visit in visits})
    entered_late = 0
    for visit in visits:
        assert visit.service_date == timezone.localdate(visit.started_at) < TODAY
        # Filed in the area of the enrolment covering its day: the household area but for the one
        # person enrolled in an earlier batch too (two_batches).
        filed_in = enrolment_area_id_on(
            visit.recipient, visit.service_date, enrolments=enrolments.get(visit.recipient_id, [])
        )
        assert visit.area_id == filed_in
        assert visit.provider_id == visit.recipient.provider_id == visit.caregiver.provider_id
        assert visit.area.cycle_contains(visit.service_date)
        assert abs(visit.checkin_latitude - visit.recipient.home_latitude) < Decimal("0.03")
        delay = visit.created_at - visit.ended_at
        assert dt.timedelta(0) < delay <= dt.timedelta(days=20)
        entered_late += delay > dt.timedelta(days=7)
    assert 0 < entered_late < 0.03 * len(visits)
    minutes = Counter("short" if v.duration_minutes < 30 else "usual" for v in visits)
    assert minutes["usual"] > 0.9 * len(visits) and minutes["short"] > 0
    assert sum(1 for v in visits if v.satisfaction) > 0.75 * len(visits)
    assert not Visit.objects.values("recipient", "service_date").annotate(n=Count("id")).filter(n__gt=1)


def test_most_visits_count_and_a_realistic_few_are_flagged_for_review(small_world, today):
    demo_world_create(today=TODAY, recipients=300, seed=3)

    total = Visit.objects.count()
    countable = Visit.objects.filter(is_countable=True).count()
    assert 0.9 * total < countable < total
    flagged = set(VisitException.objects.values_list("type", flat=True))
    assert {"too_short", "far_checkin", "late_entry"} <= flagged
    assert flagged <= {"too_short", "far_checkin", "late_entry", "caregiver_overlap", "not_eligible"}
    assert Visit.objects.filter(status=VisitStatus.VOIDED).exists()
    # One row per person and area they have figures in: everyone once, the person of two batches twice.
    assert RecipientProgress.objects.values("recipient").distinct().count() == Recipient.objects.count()
    assert RecipientProgress.objects.count() == Recipient.objects.count() + 1


def test_history_is_dated_in_the_demo_world_so_past_as_of_exports_find_rows(small_world, today):
    demo_world_create(today=TODAY, recipients=150, seed=3)

    # One creation row per visit (the demo's confirmed fee sheet adds change rows to last month's visits).
    assert Visit.history.filter(history_type="+").count() == Visit.objects.count()
    first = Visit.objects.order_by("ended_at").first()
    assert first.history.get().history_date == first.created_at
    mid_cycle = dt.datetime.combine(
        first.area.cycle_start + dt.timedelta(days=90), dt.time(23, 59), tzinfo=timezone.get_default_timezone()
    )
    assert 0 < Visit.history.as_of(mid_cycle).count() < Visit.objects.count()
    assert Recipient.history.as_of(mid_cycle).count() > 0


def test_nothing_is_dated_after_today(small_world, today):
    demo_world_create(today=TODAY, recipients=150, seed=4)

    assert Visit.objects.exists()
    assert not Visit.objects.filter(service_date__gte=TODAY).exists()
    assert not CapabilityAssessment.objects.filter(assessed_on__gt=TODAY).exists()
    assert not FamilyCareBed.objects.filter(applied_on__gt=TODAY).exists()
    assert not RetrofitItem.objects.filter(installed_on__gt=TODAY).exists()
    assert not Disbursement.objects.filter(paid_on__gt=TODAY).exists()
    assert not AreaDailySnapshot.objects.filter(day__gt=TODAY).exists()


def test_every_area_of_both_batches_gets_disbursements(small_world, today):
    demo_world_create(today=TODAY, recipients=90, seed=5)

    for area in PilotArea.objects.all():
        assert area.disbursements.exists(), area


def test_the_command_prints_a_summary_and_if_empty_is_a_no_op_on_a_non_empty_database(small_world, today):
    out = StringIO()
    call_command("seed_demo", "--recipients", "60", "--seed", "9", stdout=out)
    assert "60 recipients" in out.getvalue() and "running batch" in out.getvalue()
    before = (Recipient.objects.count(), Visit.objects.count(), FamilyCareBed.objects.count())

    out = StringIO()
    call_command("seed_demo", "--recipients", "60", "--seed", "9", "--if-empty", stdout=out)

    assert (Recipient.objects.count(), Visit.objects.count(), FamilyCareBed.objects.count()) == before
    assert "already exist" in out.getvalue()


def test_a_second_run_adds_people_to_the_same_running_batch_without_clashes(small_world, today):
    demo_world_create(today=TODAY, recipients=40, seed=1)
    demo_world_create(today=TODAY, recipients=40, seed=1)

    assert Recipient.objects.count() == 80
    assert Batch.objects.filter(name__endswith="（示例）").count() == 1
    assert PilotArea.objects.count() == 11  # and 昌平区 in the batch before the finished one, made once
    # One person a run when the run's 昌平区 has someone who fits (a run of 40 people may not).
    assert Recipient.objects.filter(enrolments__area__batch__year=2022).count() in (1, 2)


def test_the_generator_refuses_to_run_without_reference_data(db):
    with pytest.raises(CommandError, match="load_reference_data"):
        call_command("seed_demo", "--recipients", "10", stdout=StringIO())
