"""The world `make run` builds, on the real reference data: areas in every state, work to do today, clean roll-ups.

Built once for the module (it takes seconds) inside a transaction rolled back at the end; each test
runs in a savepoint of its own.
"""

import datetime as dt
import time
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from eldercare.accounts.models import RoleAssignment
from eldercare.areas.models import PilotArea
from eldercare.dashboards.selectors import area_row
from eldercare.demo.world import AHEAD, BEHIND, FAR_BEHIND, ON_PACE, pace_ratio, state_of
from eldercare.providers.models import Provider
from eldercare.recipients.models import Recipient
from eldercare.recipients.selectors import eligibility_on
from eldercare.rollups.models import AreaProgress
from eldercare.rollups.selectors import current_progress, progress_rows_prefetch
from eldercare.visits import services
from eldercare.visits.models import ServiceCategory
from eldercare.visits.verification import count_decision
from tests.conftest import at
from tests.demo.conftest import TODAY

pytestmark = pytest.mark.skipif(
    not (settings.BASE_DIR / "fixtures" / "batch_2023.json").exists(), reason="reference fixtures not written yet"
)


@pytest.fixture(scope="module")
def live_world(django_db_setup, django_db_blocker):
    """What `make run` does on an empty database (`prepare_demo`), on TODAY; the states each area was built in."""
    with django_db_blocker.unblock(), time_machine.travel(at(TODAY, 15), tick=False), transaction.atomic():
        began = time.monotonic()
        out = StringIO()
        call_command("prepare_demo", stdout=out)
        print(f"\nprepare_demo (default size, SQLite in memory): {time.monotonic() - began:.1f}s")
        assert "Demo world" in out.getvalue() and "Created demo users" in out.getvalue()
        states = {}
        for area in running_areas():
            ratio = pace_ratio(
                area.progress.person_times_reached, area.target_person_times, area.cycle_start, area.cycle_end, TODAY
            )
            states[area.region.code] = state_of(ratio)
        yield states
        transaction.set_rollback(True)


@pytest.fixture
def world(live_world, db):
    with time_machine.travel(at(TODAY, 15), tick=False):
        yield live_world


def running_areas():
    return PilotArea.objects.filter(batch__name__endswith="（示例）").select_related("region", "batch", "progress")


def test_the_running_areas_spread_over_ahead_on_pace_behind_and_far_behind(world):
    states = {}
    for area in running_areas():
        progress = area.progress
        person_times = pace_ratio(
            progress.person_times_reached, area.target_person_times, area.cycle_start, area.cycle_end, TODAY
        )
        beds = pace_ratio(progress.beds_accepted, area.target_beds, area.cycle_start, area.cycle_end, TODAY)
        assert state_of(person_times) == state_of(beds), area
        states[area.region.code] = state_of(person_times)
    assert len(states) == 50
    assert {AHEAD, ON_PACE, BEHIND, FAR_BEHIND} == set(states.values())
    assert min(list(states.values()).count(state) for state in (AHEAD, ON_PACE, BEHIND, FAR_BEHIND)) >= 5
    assert states["110114"] == ON_PACE


def test_the_dashboards_colour_each_running_area_by_the_state_it_was_built_in(world):
    expected = {AHEAD: "on_track", ON_PACE: "on_track", BEHIND: "behind", FAR_BEHIND: "far_behind"}
    for area in running_areas():
        row = area_row(area, area.progress, day=TODAY)
        assert row.band == expected[world[area.region.code]], (area, row.headline)
        assert row.headline["satisfaction"].band == "on_track"


def test_the_finished_batch_keeps_its_official_list_and_has_history_in_every_area(world):
    finished = PilotArea.objects.filter(batch__year=2023).select_related("region")
    assert finished.count() == 50 and finished.filter(is_demo=False).get().region.code == "110114"
    assert finished.get(region__code="110114").target_person_times == 4000
    for area in finished:
        assert area.cycle_end < TODAY
        assert AreaProgress.objects.get(area=area).counted_visits > 0, area


def test_every_demo_home_visit_provider_has_people_a_visit_logged_today_counts_for(world):
    category = ServiceCategory.objects.order_by("sort_order").first()
    providers = Provider.objects.filter(is_demo=True, offers_home_visits=True)
    assert providers.count() >= 50
    for provider in providers:
        eligible = [
            person
            for person in Recipient.objects.filter(provider=provider, area__cycle_end__gte=TODAY).select_related(
                "area__batch"
            )
            if eligibility_on(person, TODAY)
        ]
        assert len(eligible) >= 3, provider
        person = eligible[0]
        visit = services.visit_create(
            recipient=person,
            provider=provider,
            caregiver=provider.caregivers.first(),
            category=category,
            started_at=at(TODAY, 13),
            ended_at=at(TODAY, 14),
            checkin_latitude=person.home_latitude,
            checkin_longitude=person.home_longitude,
        )
        assert count_decision(visit).counts, (provider, count_decision(visit).reasons)


def test_the_readme_s_provider_user_works_for_a_provider_with_people_to_visit_today(world):
    call_command("ensure_demo_admin", stdout=StringIO())

    assignment = RoleAssignment.objects.select_related("provider").get(user__username="provider")
    people = (
        Recipient.objects.filter(provider=assignment.provider, area__cycle_end__gte=TODAY)
        .select_related("area__batch")
        .prefetch_related(progress_rows_prefetch())
    )
    eligible = [person for person in people if eligibility_on(person, TODAY)]
    assert len(eligible) >= 5
    progress = [current_progress(person) for person in eligible]
    assert any(row.reached_on for row in progress)  # some have made the person-time already
    assert any(0 < row.counted_visits < 30 for row in progress)
    official = RoleAssignment.objects.select_related("area__batch").get(user__username="official")
    assert official.area.region.code == "110114" and official.area.cycle_end >= TODAY


def test_verify_rollups_finds_nothing_to_correct_after_seeding(world):
    call_command("verify_rollups", stdout=StringIO())
    call_command("verify_rollups", "--deep", "--sample", "500", stdout=StringIO())


def test_recipients_and_visits_are_all_demo_data_and_run_up_to_yesterday(world):
    assert not Recipient.objects.filter(is_demo=False).exists()
    latest = max(area.progress.computed_at for area in running_areas())
    assert latest.date() >= TODAY - dt.timedelta(days=1)


def test_the_demo_world_holds_a_confirmed_fee_sheet_with_a_voided_visit(world):
    from eldercare.fees.models import FeeSheet, FeeSheetLine

    sheet = FeeSheet.objects.get()
    assert sheet.state == "confirmed" and sheet.unit_fee == 50
    lines = FeeSheetLine.objects.filter(sheet=sheet)
    voided = lines.get(decision="voided")
    assert voided.void_reason == "overtime" and voided.visit.status == "voided"
    confirmed = lines.filter(decision="confirmed")
    assert confirmed.exists() and not confirmed.filter(visit__fee_confirmed_at__isnull=True).exists()
