"""Writing the demo world: the bulk paths the services use, in dependency order.

Rows go in with `bulk_create_with_history` (as `visits.bulk` does), each creation history row dated
when the thing happened in the demo world rather than when the command ran: the as-of exports
read history rows dated on or before their day, and rows dated "now" would leave every export of a
past day empty. Visits are entered minutes after they end (a few, days later), so their entry time
is set with one UPDATE per delay before their history is written.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import DateTimeField, ExpressionWrapper, F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from eldercare.areas.models import Batch, Disbursement, FundAllocation, PilotArea
from eldercare.beds.models import FamilyCareBed, RetrofitItem
from eldercare.providers.models import Caregiver, Provider
from eldercare.recipients.models import CapabilityAssessment, Recipient
from eldercare.visits.models import Visit

from .base import BATCH_SIZE, CHANGE_REASON


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=timezone.get_default_timezone())


def write(rows: list, model) -> None:
    if rows:
        bulk_create_with_history(rows, model, batch_size=BATCH_SIZE, default_change_reason=CHANGE_REASON)


def date_history(world) -> None:
    """Date each row's creation history when it happened in the demo world."""
    plans = [plan for area_plan in world.area_plans for plan in area_plan.recipients]
    first_cycle = min((area_plan.cycle_start for area_plan in world.area_plans), default=world.today)
    for row in [*world.organisations.providers, *world.organisations.caregivers]:
        row._history_date = at(first_cycle - dt.timedelta(days=60))
    running_starts = [area.cycle_start for area in world.new_areas]
    if world.new_batch is not None and running_starts:
        world.new_batch._history_date = at(min(running_starts) - dt.timedelta(days=30))
    for area in world.new_areas:
        area._history_date = at(area.cycle_start - dt.timedelta(days=30))
    for allocation in world.money.allocations:
        allocation._history_date = at(allocation.area.cycle_start)
    for plan in plans:
        plan.recipient._history_date = at(plan.area_plan.cycle_start - dt.timedelta(days=30))
    for assessment in world.people.assessments:
        assessment._history_date = at(assessment.assessed_on)
    for bed in world.beds.beds:
        # One history row with the bed's final state: dated when it reached that state.
        reached = [
            bed.applied_on,
            bed.plan_signed_on,
            bed.retrofit_started_on,
            bed.retrofit_finished_on,
            bed.accepted_on,
            bed.service_started_on,
            bed.withdrawn_on,
        ]
        bed._history_date = at(max(day for day in reached if day))
    for item in world.beds.items:
        item._history_date = at(item.installed_on or item.bed.applied_on)
    for disbursement in world.money.disbursements:
        disbursement._history_date = at(disbursement.paid_on)


def save(world) -> None:
    date_history(world)
    if world.new_batch is not None:
        write([world.new_batch], Batch)
        for area in world.new_areas:
            area.batch = world.new_batch  # the batch has its primary key now
    write(world.new_areas, PilotArea)
    write(world.money.allocations, FundAllocation)
    organisations = world.organisations
    write(organisations.providers, Provider)
    Provider.areas.through.objects.bulk_create(
        [Provider.areas.through(provider=p, pilotarea=a) for p, a in organisations.provider_areas],
        batch_size=BATCH_SIZE,
    )
    write(organisations.caregivers, Caregiver)
    write([plan.recipient for area_plan in world.area_plans for plan in area_plan.recipients], Recipient)
    write(world.people.assessments, CapabilityAssessment)
    write(world.beds.beds, FamilyCareBed)
    write(world.beds.items, RetrofitItem)
    write(world.money.disbursements, Disbursement)
    save_visits(world.visits)


def save_visits(maker, *, first_visit: int = 0, first_item: int = 0) -> None:
    """Write the maker's visits (those from `first_visit` on, with their items from `first_item` on)."""
    visits = maker.visits[first_visit:]
    Visit.objects.bulk_create(visits, batch_size=BATCH_SIZE)
    Visit.items.through.objects.bulk_create(
        [Visit.items.through(visit=v, serviceitem=i) for v, i in maker.visit_items[first_item:]],
        batch_size=BATCH_SIZE,
    )
    by_delay: dict[dt.timedelta, list[int]] = defaultdict(list)
    for visit, delay in zip(visits, maker.entered_after[first_visit:], strict=True):
        by_delay[delay].append(visit.pk)
        visit.created_at = visit.updated_at = visit._history_date = visit.ended_at + delay
    for delay, pks in by_delay.items():
        entered = ExpressionWrapper(F("ended_at") + delay, output_field=DateTimeField())
        for index in range(0, len(pks), BATCH_SIZE):
            Visit.objects.filter(pk__in=pks[index : index + BATCH_SIZE]).update(created_at=entered, updated_at=entered)
    Visit.history.bulk_history_create(visits, batch_size=BATCH_SIZE, default_change_reason=CHANGE_REASON)
