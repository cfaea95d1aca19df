"""Reads for a provider's home page (服务机构首页): the people it serves this cycle and today's visits.

Figures come from the roll-ups (`rollups.RecipientProgress`: counted visits, the day the
person-time was reached, at risk at the current pace) and the threshold from each person's batch;
whether a visit of today counts is `visits.verification.count_decision`, the rule's one home.
Everything is read through the user's scope (accounts.scoping).
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from eldercare.accounts.scoping import can_write, scope_of, scope_queryset
from eldercare.recipients.models import Enrolment, Recipient
from eldercare.rollups.rules import reached_person_time
from eldercare.rollups.selectors import progress_rows, progress_rows_prefetch
from eldercare.visits.models import Visit, VisitStatus
from eldercare.visits.verification import CountDecision, count_decision

from .models import Provider

# Visits of today shown with their count decision (a few queries each); a provider logs far fewer.
TODAY_VISITS_LIMIT = 200


@dataclass(frozen=True)
class RecipientRow:
    """One person this cycle: counted visits against the batch's threshold, time left, risk."""

    recipient: Recipient
    counted: int
    needed: int
    at_risk: bool | None  # None: not counted yet
    reached_on: dt.date | None
    last_counted_on: dt.date | None
    days_left: int
    visits_today: int
    served_in: object  # the pilot area whose cycle the person is served in today

    @property
    def area(self):
        return self.served_in

    @property
    def reached(self) -> bool:
        return reached_person_time(self.counted, self.needed)

    @property
    def still_needed(self) -> int:
        return max(0, self.needed - self.counted)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.counted / self.needed)) if self.needed else 0


@dataclass(frozen=True)
class TodayVisit:
    visit: Visit
    decision: CountDecision


@dataclass
class ProviderHome:
    provider: Provider
    today: dt.date
    rows: list[RecipientRow]
    today_visits: list[TodayVisit]
    finished_cycles: int  # people the provider served in cycles that are over
    can_log: bool

    @property
    def reached(self) -> int:
        return sum(1 for row in self.rows if row.reached)

    @property
    def at_risk(self) -> int:
        return sum(1 for row in self.rows if row.at_risk)

    @property
    def counting_today(self) -> int:
        return sum(1 for item in self.today_visits if item.decision.counts)


def providers_for(user) -> QuerySet:
    """The home-visit providers whose home this user may open."""
    return scope_queryset(user, Provider.objects.filter(offers_home_visits=True)).order_by("name")


def own_provider(user) -> Provider | None:
    """The provider of a provider-staff or caregiver user (None for other roles)."""
    provider_id = scope_of(user).provider_id
    return Provider.objects.filter(pk=provider_id).first() if provider_id else None


def _running(today: dt.date) -> Q:
    """People served today: enrolled in an area whose cycle runs today, or never enrolled and their household's does."""
    enrolled_today = Enrolment.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=today),
        recipient=OuterRef("pk"),
        area__cycle_start__lte=today,
        area__cycle_end__gte=today,
    )
    never_enrolled = ~Exists(Enrolment.objects.filter(recipient=OuterRef("pk")))
    return Q(Exists(enrolled_today)) | (never_enrolled & Q(area__cycle_start__lte=today, area__cycle_end__gte=today))


def _served_today(person: Recipient, today: dt.date):
    """The person's progress row (and its area) in the cycle running today; none yet: the household area."""
    for row in progress_rows(person):
        if row.area.cycle_contains(today):
            return row, row.area
    return None, person.area


def provider_home(user, provider: Provider, *, today: dt.date) -> ProviderHome:
    """What the provider's home shows on `today`; rows sorted with the people who need attention first."""
    people = scope_queryset(user, Recipient.objects.filter(provider=provider))
    running = (
        people.filter(_running(today))
        .select_related("area__region", "area__batch")
        .prefetch_related(progress_rows_prefetch())
    )
    visits = scope_queryset(user, Visit.objects.filter(provider=provider, service_date=today))
    visited = {}
    for recipient_id in visits.filter(status=VisitStatus.COMPLETED).values_list("recipient_id", flat=True):
        visited[recipient_id] = visited.get(recipient_id, 0) + 1
    rows = []
    for person in running:
        progress, area = _served_today(person, today)
        rows.append(
            RecipientRow(
                recipient=person,
                served_in=area,
                counted=progress.counted_visits if progress else 0,
                needed=area.batch.visits_per_person_time,
                at_risk=progress.at_risk if progress else None,
                reached_on=progress.reached_on if progress else None,
                last_counted_on=progress.last_counted_on if progress else None,
                days_left=(area.cycle_end - today).days + 1,
                visits_today=visited.get(person.pk, 0),
            )
        )
    rows.sort(key=lambda row: (row.reached, not row.at_risk, row.days_left, -row.still_needed, row.recipient.name))
    today_visits = [
        TodayVisit(visit=visit, decision=count_decision(visit))
        for visit in visits.select_related("recipient", "caregiver", "category").order_by("started_at", "pk")[
            :TODAY_VISITS_LIMIT
        ]
    ]
    return ProviderHome(
        provider=provider,
        today=today,
        rows=rows,
        today_visits=today_visits,
        finished_cycles=people.filter(area__cycle_end__lt=today).count(),
        can_log=can_write(user, model=Visit),
    )
