import datetime as dt
import hashlib
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from eldercare.areas.models import Disbursement, PilotArea
from eldercare.beds.models import BedStatus, FamilyCareBed, RetrofitItem
from eldercare.core.demo import demo_world_create
from eldercare.core.validators import age_on, parse_resident_id, validate_credit_code
from eldercare.providers.models import Caregiver, Provider
from eldercare.recipients.models import CapabilityAssessment, Recipient
from eldercare.rollups.models import RecipientProgress
from eldercare.visits.models import Visit, VisitException, VisitStatus
from tests.factories import (
    BatchFactory,
    CountyFactory,
    PilotAreaFactory,
    ProvinceFactory,
    RetrofitCatalogItemFactory,
    ServiceCategoryFactory,
    ServiceItemFactory,
)

# After every factory area's cycle (2023-07-01 to 2024-06-30) has ended.
AFTER_THE_CYCLE = dt.date(2024, 9, 1)


@pytest.fixture
def small_world(db):
    """Three pilot areas of the 2023 batch in two provinces (one of them 北京市昌平区) and small catalogues."""
    batch = BatchFactory()
    tianjin = ProvinceFactory(code="120000", name="天津市", full_name="天津市")
    regions = [
        CountyFactory(code="110114", name="昌平区", full_name="北京市昌平区"),
        CountyFactory(code="110105", name="朝阳区", full_name="北京市朝阳区"),
        CountyFactory(code="120104", name="南开区", full_name="天津市南开区", parent=tianjin),
    ]
    areas = [
        PilotAreaFactory(batch=batch, region=regions[0]),
        PilotAreaFactory(
            batch=batch,
            region=regions[1],
            is_demo=True,
            cycle_start=dt.date(2023, 9, 1),
            cycle_end=dt.date(2024, 8, 31),
        ),
        PilotAreaFactory(batch=batch, region=regions[2], is_demo=True),
    ]
    for code, name, kind, is_device, cost in [
        ("grab-bar", "扶手", "accessibility", False, "300"),
        ("anti-slip-floor", "防滑处理", "accessibility", False, "500"),
        ("bed-rail", "床边护栏", "accessibility", False, "300"),
        ("shower-chair", "淋浴椅", "accessibility", False, "200"),
        ("emergency-call", "紧急呼叫器", "smart", True, "200"),
        ("smoke-alarm", "烟雾报警器", "smart", True, "150"),
        ("door-sensor", "门磁", "smart", True, "100"),
    ]:
        RetrofitCatalogItemFactory(code=code, name=name, kind=kind, is_device=is_device, reference_cost=Decimal(cost))
    for order, (code, name, item) in enumerate(
        [("daily-living", "生活照料", "cleaning"), ("visiting-care", "探访关爱", "home-visiting")], start=1
    ):
        ServiceItemFactory(category=ServiceCategoryFactory(code=code, name=name, sort_order=order), code=item)
    return areas


def world_digest() -> str:
    """A fingerprint of everything the generator decides, independent of primary keys and run time."""
    rows = [
        *Recipient.objects.values_list(
            "resident_id", "name", "sex", "birth_date", "address", "home_latitude", "home_longitude",
            "economic_category", "area__region__code", "provider__credit_code", "guardian_name",
        ),
        *CapabilityAssessment.objects.values_list("recipient__resident_id", "assessed_on", "level", "assessor_name"),
        *Provider.objects.values_list(
            "credit_code", "name", "offers_home_visits", "does_bed_retrofit", "does_assessment_design",
            "does_acceptance", "areas__region__code",
        ),
        *Caregiver.objects.values_list("provider__credit_code", "employee_number", "name"),
        *FamilyCareBed.objects.values_list(
            "recipient__resident_id", "status", "applied_on", "plan_signed_on", "retrofit_started_on",
            "retrofit_finished_on", "accepted_on", "service_started_on", "withdrawn_on", "withdrawal_reason",
            "design_provider__credit_code", "retrofit_provider__credit_code", "acceptance_provider__credit_code",
            "platform_account",
        ),
        *RetrofitItem.objects.values_list(
            "bed__recipient__resident_id", "catalog_item__code", "room", "quantity", "cost", "serial_number",
            "installed_on", "warranty_months",
        ),
        *Visit.objects.values_list(
            "client_uuid", "recipient__resident_id", "caregiver__employee_number", "category__code", "started_at",
            "ended_at", "service_date", "checkin_latitude", "checkin_longitude", "satisfaction", "status",
        ),
        *Recipient.objects.annotate(visits_count=Count("visits")).values_list("resident_id", "visits_count"),
        *Disbursement.objects.values_list("area__region__code", "voucher_number", "paid_on", "amount", "use", "payee"),
    ]  # fmt: skip
    return hashlib.sha256("\n".join(sorted(map(repr, rows))).encode()).hexdigest()


def generate_and_digest(*, seed: int, recipients: int = 120) -> str:
    """Generate inside a savepoint, fingerprint, and roll back, so the next call starts from the same database."""
    with transaction.atomic():
        demo_world_create(today=AFTER_THE_CYCLE, recipients=recipients, seed=seed)
        digest = world_digest()
        transaction.set_rollback(True)
    assert not Recipient.objects.exists()
    return digest


def test_the_same_seed_and_size_give_identical_data(small_world):
    assert generate_and_digest(seed=11) == generate_and_digest(seed=11)


def test_a_different_seed_gives_different_data(small_world):
    assert generate_and_digest(seed=11) != generate_and_digest(seed=12)


def test_every_row_is_demo_data_with_valid_national_identifiers(small_world):
    demo_world_create(today=AFTER_THE_CYCLE, recipients=150, seed=3)

    assert Recipient.objects.count() == 150
    assert set(Recipient.objects.values_list("area", flat=True)) == {area.pk for area in small_world}
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


def test_providers_cover_every_role_in_every_area_and_caregivers_work_for_home_visit_providers(small_world):
    demo_world_create(today=AFTER_THE_CYCLE, recipients=90, seed=5)

    for area in small_world:
        providers = Provider.objects.filter(areas=area)
        assert 2 <= providers.count() <= 3
        for role in ("offers_home_visits", "does_bed_retrofit", "does_assessment_design", "does_acceptance"):
            assert providers.filter(**{role: True}).exists(), (area, role)
    assert not Caregiver.objects.filter(provider__offers_home_visits=False).exists()
    assert Caregiver.objects.values("provider").annotate(n=Count("id")).filter(n__lt=3).count() == 0


def test_some_assessments_are_mid_cycle_reassessments_and_a_few_people_are_ineligible(small_world):
    demo_world_create(today=AFTER_THE_CYCLE, recipients=300, seed=8)

    reassessed = CapabilityAssessment.objects.exclude(note="").select_related("recipient__area")
    assert reassessed.exists()
    assert all(a.recipient.area.cycle_contains(a.assessed_on) for a in reassessed)
    assert CapabilityAssessment.objects.filter(level="intact").exists()
    assert Recipient.objects.filter(economic_category="none").exists()


def test_beds_occur_in_every_state_and_satisfy_the_lifecycle(small_world):
    demo_world_create(today=AFTER_THE_CYCLE, recipients=150, seed=3)

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
        assert present == sorted(present) and present[-1] <= AFTER_THE_CYCLE
        if bed.status in ("accepted", "in_service"):
            assert bed.acceptance_provider.does_acceptance and bed.area.cycle_contains(bed.accepted_on)
            assert bed.acceptance_provider != bed.retrofit_provider
        if bed.status == "withdrawn":
            assert bed.withdrawal_reason
        if bed.status in ("awaiting_acceptance", "accepted", "in_service"):
            assert bed.items.exists()
    for item in RetrofitItem.objects.select_related("catalog_item", "bed"):
        item.full_clean()
        if item.catalog_item.is_device:
            assert item.serial_number and item.installed_on and item.warranty_months >= 12


def test_visits_follow_the_verification_rules_and_show_every_progress_band(small_world):
    demo_world_create(today=AFTER_THE_CYCLE, recipients=150, seed=3)

    visits = list(Visit.objects.select_related("recipient", "caregiver", "area"))
    assert visits
    for visit in visits:
        assert visit.service_date == timezone.localdate(visit.started_at)
        assert visit.area_id == visit.recipient.area_id
        assert visit.provider_id == visit.recipient.provider_id == visit.caregiver.provider_id
        assert visit.area.cycle_contains(visit.service_date)
        assert abs(visit.checkin_latitude - visit.recipient.home_latitude) < Decimal("0.03")
        assert visit.created_at == visit.ended_at
    minutes = Counter(
        "short" if v.duration_minutes < 30 else "usual" if 45 <= v.duration_minutes <= 120 else "other" for v in visits
    )
    assert minutes["usual"] > 0.85 * len(visits) and minutes["short"] > 0
    assert sum(1 for v in visits if v.satisfaction) > 0.75 * len(visits)
    counts = Counter(v.recipient_id for v in visits if v.status == VisitStatus.COMPLETED)
    assert any(n >= 30 for n in counts.values())
    assert any(1 <= n < 30 for n in counts.values())
    assert not Visit.objects.values("recipient", "service_date").annotate(n=Count("id")).filter(n__gt=1)


def test_visits_are_verified_so_most_count_and_a_few_are_flagged(small_world):
    demo_world_create(today=AFTER_THE_CYCLE, recipients=150, seed=3)

    total = Visit.objects.count()
    assert Visit.objects.filter(is_countable=True).count() > 0.9 * total
    flagged = set(VisitException.objects.values_list("type", flat=True))
    assert "too_short" in flagged and flagged <= {"too_short", "far_checkin"}
    assert RecipientProgress.objects.exists()


def test_history_is_dated_in_the_demo_world_so_past_as_of_exports_find_rows(small_world):
    from eldercare.recipients.models import Recipient

    demo_world_create(today=AFTER_THE_CYCLE, recipients=150, seed=3)

    assert Visit.history.count() == Visit.objects.count()
    first = Visit.objects.order_by("ended_at").first()
    assert first.history.get().history_date == first.ended_at
    mid_cycle = dt.datetime.combine(
        first.area.cycle_start + dt.timedelta(days=90), dt.time(23, 59), tzinfo=timezone.get_default_timezone()
    )
    assert 0 < Visit.history.as_of(mid_cycle).count() < Visit.objects.count()
    assert Recipient.history.as_of(mid_cycle).count() > 0


def test_nothing_is_dated_after_today_when_the_cycle_is_still_running(small_world):
    today = dt.date(2024, 1, 15)
    demo_world_create(today=today, recipients=120, seed=4)

    assert Visit.objects.exists()
    assert not Visit.objects.filter(service_date__gt=today).exists()
    assert not CapabilityAssessment.objects.filter(assessed_on__gt=today).exists()
    assert not FamilyCareBed.objects.filter(applied_on__gt=today).exists()
    assert not RetrofitItem.objects.filter(installed_on__gt=today).exists()
    assert not Disbursement.objects.filter(paid_on__gt=today).exists()


def test_every_area_gets_disbursements(small_world):
    demo_world_create(today=AFTER_THE_CYCLE, recipients=90, seed=5)

    for area in small_world:
        assert area.disbursements.exists()


@time_machine.travel(dt.datetime(2024, 9, 1, 10, 0, tzinfo=dt.UTC), tick=False)
def test_the_command_prints_a_summary_and_if_empty_is_a_no_op_on_a_non_empty_database(small_world):
    out = StringIO()
    call_command("seed_demo", "--recipients", "60", "--seed", "9", stdout=out)
    assert "60 recipients" in out.getvalue()
    before = (Recipient.objects.count(), Visit.objects.count(), FamilyCareBed.objects.count())

    out = StringIO()
    call_command("seed_demo", "--recipients", "60", "--seed", "9", "--if-empty", stdout=out)

    assert (Recipient.objects.count(), Visit.objects.count(), FamilyCareBed.objects.count()) == before
    assert "already exist" in out.getvalue()


def test_a_second_run_without_if_empty_adds_more_demo_data_without_clashes(small_world):
    demo_world_create(today=AFTER_THE_CYCLE, recipients=40, seed=1)
    demo_world_create(today=AFTER_THE_CYCLE, recipients=40, seed=1)

    assert Recipient.objects.count() == 80


def test_the_generator_refuses_to_run_without_reference_data(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="load_reference_data"):
        call_command("seed_demo", "--recipients", "10", stdout=StringIO())


@pytest.mark.skipif(
    not (settings.BASE_DIR / "fixtures" / "batch_2023.json").exists(),
    reason="reference fixtures not written yet",
)
def test_it_spreads_recipients_over_every_area_of_the_real_reference_data(reference_data):
    summary = demo_world_create(today=dt.date(2024, 9, 1), recipients=200, seed=2023)

    areas = PilotArea.objects.filter(batch__year=2023)
    assert summary.areas == areas.count() == 50
    assert not areas.filter(recipients__isnull=True).exists()
    assert set(summary.beds_by_status) == set(BedStatus.values)
    assert Provider.objects.filter(areas__region__code="110114", is_demo=True).exists()
