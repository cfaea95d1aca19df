"""A day's new visits for the measurements: as uploads (the bulk-ingest items) or as COPY rows.

Each provider's caregivers take the chosen recipients slot by slot, so no caregiver overlaps
herself: the day slots of the generated world on a day it left free (bench.generate), or the
evening slots, which generated visits leave free, on any day of the latest cycles.
"""

import datetime as dt
import random
import time
import uuid
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count

from bench.generate import SLOTS, VISIT_COLUMNS, VISIT_DATETIMES, _Clock
from bench.loading import RowWriter, next_ids, reset_sequences
from bench.measure.context import BenchContext, home_providers_busiest_first, latest_areas
from eldercare.providers.models import Caregiver, Provider
from eldercare.recipients.models import Recipient
from eldercare.visits.models import Satisfaction, ServiceCategory, ServiceItem, Visit, VisitStatus

# Evening slots are free of generated visits (those end by 19:00 but for the few made too long).
EVENING_SLOTS = (19 * 60, 20 * 60 + 15, 21 * 60 + 30)
DAY_LENGTHS = (45, 120)
EVENING_LENGTHS = (45, 60)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class PlannedVisit:
    day: dt.date
    provider_id: int
    recipient_id: int
    area_id: int
    caregiver_id: int
    start: int  # minutes after midnight
    end: int
    latitude: str
    longitude: str
    category_id: int
    category_code: str
    item_code: str | None
    client_uuid: str


def plan_day(
    context: BenchContext,
    day: dt.date,
    *,
    count: int,
    slots=SLOTS,
    lengths=DAY_LENGTHS,
    salt: str = "day",
    busiest_first: bool = False,
    providers: list[int] | None = None,
) -> list[PlannedVisit]:
    """`count` visits on `day` (fewer if the caregivers are fully booked), one per recipient.

    Recipients are a seeded random sample of those served in the latest cycles, or (busiest_first)
    the recipients of the busiest providers (or of `providers`, in that order), as the biggest
    uploads come from them.
    """
    rng = random.Random(f"{context.seed}:{salt}:{day}")
    served = Recipient.objects.filter(provider__isnull=False, area__in=latest_areas())
    if providers is not None:
        served = served.filter(provider_id__in=providers)
    served = served.order_by("pk").values_list("pk", "area_id", "provider_id", "home_latitude", "home_longitude")
    if busiest_first:
        ranked = providers or list(home_providers_busiest_first().values_list("pk", flat=True))
        order = {pk: rank for rank, pk in enumerate(ranked)}
        chosen = sorted(served, key=lambda row: (order.get(row[2], len(order)), row[0]))
    else:
        served = list(served)
        chosen = sorted(rng.sample(served, min(len(served), count * 2)))
    teams: dict[int, list[int]] = {}
    for provider_id, caregiver_id in Caregiver.objects.order_by("provider_id", "pk").values_list("provider_id", "pk"):
        teams.setdefault(provider_id, []).append(caregiver_id)
    categories = list(ServiceCategory.objects.order_by("sort_order", "code").values_list("pk", "code"))
    items: dict[int, list[str]] = {}
    for category_id, code in (
        ServiceItem.objects.filter(is_active=True).order_by("code").values_list("category_id", "code")
    ):
        items.setdefault(category_id, []).append(code)
    booked: dict[int, int] = {}
    planned: list[PlannedVisit] = []
    for recipient_id, area_id, provider_id, latitude, longitude in chosen:
        if len(planned) >= count:
            break
        team = teams.get(provider_id)
        number = booked.get(provider_id, 0)
        if not team or number >= len(team) * len(slots):
            continue  # this provider's caregivers are fully booked that day
        booked[provider_id] = number + 1
        start = slots[number // len(team)] + rng.randint(0, 10)
        category_id, category_code = categories[rng.randrange(len(categories))]
        choices = items.get(category_id) or [None]
        planned.append(
            PlannedVisit(
                day=day,
                provider_id=provider_id,
                recipient_id=recipient_id,
                area_id=area_id,
                caregiver_id=team[number % len(team)],
                start=start,
                end=start + rng.randint(*lengths),
                latitude=str(latitude),
                longitude=str(longitude),
                category_id=category_id,
                category_code=category_code,
                item_code=choices[rng.randrange(len(choices))],
                client_uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            )
        )
    return planned


def plan_days(
    context: BenchContext, first_day: dt.date, *, count: int, per_provider: int, days: int, salt: str
) -> list[PlannedVisit]:
    """Evening visits of the busiest providers over up to `days` days from `first_day`, about
    `per_provider` each: what an integration syncing a provider's week sends in full batches."""
    # As many providers as it takes for their evenings to hold `count` visits (small providers at
    # small scales hold fewer than `per_provider` in `days`).
    teams = dict(Caregiver.objects.values_list("provider_id").annotate(n=Count("pk")).values_list("provider_id", "n"))
    providers, room = [], 0
    for provider_id, recipients in home_providers_busiest_first().values_list("pk", "n"):
        if room >= count:
            break
        evenings = min(teams.get(provider_id, 0) * len(EVENING_SLOTS), recipients) * days
        if evenings:
            providers.append(provider_id)
            room += min(per_provider, evenings)
    planned: list[PlannedVisit] = []
    for offset in range(days):
        if len(planned) >= count:
            break
        planned += plan_day(
            context,
            first_day + dt.timedelta(days=offset),
            count=count - len(planned),
            slots=EVENING_SLOTS,
            lengths=EVENING_LENGTHS,
            salt=salt,
            busiest_first=True,
            providers=providers,
        )
    return planned


def as_uploads(planned: list[PlannedVisit]) -> list[tuple[Provider, list[dict]]]:
    """What each provider's app sends to POST /api/v1/visits/bulk/ (JSON values, times with their offset)."""
    by_provider: dict[int, list[dict]] = {}
    for visit in planned:
        midnight = dt.datetime.combine(visit.day, dt.time(0), tzinfo=SHANGHAI)
        by_provider.setdefault(visit.provider_id, []).append(
            {
                "client_uuid": visit.client_uuid,
                "recipient": visit.recipient_id,
                "caregiver": visit.caregiver_id,
                "category": visit.category_code,
                "items": [visit.item_code] if visit.item_code else [],
                "started_at": (midnight + dt.timedelta(minutes=visit.start)).isoformat(),
                "ended_at": (midnight + dt.timedelta(minutes=visit.end)).isoformat(),
                "checkin_latitude": visit.latitude,
                "checkin_longitude": visit.longitude,
                "satisfaction": Satisfaction.SATISFIED.value,
            }
        )
    providers = Provider.objects.in_bulk(list(by_provider))
    return [(providers[pk], uploads) for pk, uploads in by_provider.items()]


def copy_day(planned: list[PlannedVisit]) -> list[int]:
    """COPY the planned visits in with their "+" history rows, unverified (is_countable false); their ids."""
    clock = _Clock()
    first_id = next_ids(["visits_visit"])["visits_visit"]
    rows = []
    for number, visit in enumerate(planned):
        ordinal = visit.day.toordinal()
        entered = clock.at(ordinal, visit.end + 5)
        rows.append(
            (
                first_id + number,
                entered,
                entered,
                uuid.UUID(visit.client_uuid).hex,
                visit.recipient_id,
                visit.area_id,
                visit.provider_id,
                visit.caregiver_id,
                visit.category_id,
                clock.at(ordinal, visit.start),
                clock.at(ordinal, visit.end),
                visit.day.isoformat(),
                visit.latitude,
                visit.longitude,
                visit.latitude,
                visit.longitude,
                Satisfaction.SATISFIED.value,
                "",
                VisitStatus.COMPLETED.value,
                "",
                None,
                False,
            )
        )
    RowWriter().write("visits_visit", VISIT_COLUMNS, rows, datetimes=VISIT_DATETIMES)
    reset_sequences(["visits_visit"])
    ids = [row[0] for row in rows]
    copy_history(ids, reason="bench: a day's visits copied in")
    return ids


def _history_columns(model) -> tuple[str, str]:
    historical = model.history.model
    base = {field.column for field in model._meta.concrete_fields}
    columns = [f.column for f in historical._meta.concrete_fields if f.column in base and f.column != "history_id"]
    return historical._meta.db_table, ", ".join(columns)


def copy_history(ids: list[int], *, reason: str) -> int:
    """One "+" history row for each of these visits, dated when it was created (set-based)."""
    history_table, names = _history_columns(Visit)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {history_table} ({names}, history_date, history_change_reason, history_type, "
            f"history_user_id) SELECT {names}, created_at, %s, '+', NULL FROM visits_visit WHERE id = ANY(%s)",
            [reason, ids],
        )
        return cursor.rowcount


def insert_floor_seconds(ids: list[int]) -> float:
    """The database's own time to insert these visits again with their history rows (rolled back).

    One INSERT … SELECT each, all indexes and constraints maintained, nothing through Python: the
    floor of any ingest path that stores the same rows.
    """
    columns = [f.column for f in Visit._meta.concrete_fields if f.column not in ("id", "client_uuid")]
    names = ", ".join(columns)
    history_table, history_names = _history_columns(Visit)
    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO visits_visit ({names}, client_uuid) "
                f"SELECT {names}, gen_random_uuid() FROM visits_visit WHERE id = ANY(%s)",
                [ids],
            )
            cursor.execute(
                f"INSERT INTO {history_table} ({history_names}, history_date, history_change_reason, history_type, "
                f"history_user_id) SELECT {history_names}, history_date, history_change_reason, history_type, "
                f"history_user_id FROM {history_table} WHERE id = ANY(%s)",
                [ids],
            )
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return seconds
