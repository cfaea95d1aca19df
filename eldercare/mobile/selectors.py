"""Reads for the caregiver's phone (/m/): what one signed-in caregiver needs for today, and nothing more.

The figures per person (counted / needed, days left, at risk) are the provider home's
(`providers.selectors.provider_home`, which reads the roll-ups); whether a visit counts is
`visits.verification.count_decision`. Everything is read through the user's scope. The answer is
cached on the phone (the service worker keeps the last one for offline use), so it carries only
what the page shows: no ID numbers, addresses, phone numbers or home coordinates.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from eldercare.accounts.models import PROVIDER_ROLES, Role, RoleAssignment
from eldercare.accounts.scoping import can_write, scope_of, scope_queryset
from eldercare.providers.models import Caregiver
from eldercare.providers.selectors import own_provider, provider_home
from eldercare.visits.models import ServiceCategory, ServiceItem, Visit, VisitStatus
from eldercare.visits.verification import count_decision

# Today's visits shown with their count decision (a few queries each); one caregiver logs a handful.
TODAY_VISITS_LIMIT = 50


def phone_user(user) -> tuple[RoleAssignment, Caregiver | None]:
    """The role of a caregiver or provider-staff user and their caregiver record; 403 for anyone else.

    A caregiver logs visits as the caregiver record their role names; provider staff pick one of
    their provider's caregivers on the phone.
    """
    scope = scope_of(user)
    if scope.role not in PROVIDER_ROLES or scope.provider_id is None:
        raise PermissionDenied(_("This page is for caregivers and provider staff."))
    if not can_write(user, model=Visit):
        raise PermissionDenied(_("Your role may not record visits."))
    assignment = RoleAssignment.objects.select_related("caregiver").get(user=user)
    caregiver = assignment.caregiver
    if caregiver is not None and (caregiver.provider_id != scope.provider_id or not caregiver.is_active):
        caregiver = None
    return assignment, caregiver


def _last_visit_days(user, recipient_ids: list[int]) -> dict[int, dt.date]:
    """Each person's latest completed visit day (by anyone), in one grouped query."""
    rows = (
        scope_queryset(user, Visit.objects.filter(recipient_id__in=recipient_ids, status=VisitStatus.COMPLETED))
        .values("recipient_id")
        .annotate(last=Max("service_date"))
        .order_by()
    )
    return {row["recipient_id"]: row["last"] for row in rows}


def _recipients(user, provider, today: dt.date) -> list[dict]:
    """The provider's people in a running cycle, longest without a visit first (never visited before all)."""
    rows = provider_home(user, provider, today=today).rows
    last = _last_visit_days(user, [row.recipient.pk for row in rows])
    people = [
        {
            "id": row.recipient.pk,
            "name": row.recipient.name,
            "counted": row.counted,
            "needed": row.needed,
            "still_needed": row.still_needed,
            "days_left": row.days_left,
            "at_risk": bool(row.at_risk),
            "reached": row.reached,
            "last_visit": last.get(row.recipient.pk),
            "visits_today": row.visits_today,
        }
        for row in rows
    ]
    people.sort(key=lambda p: (p["last_visit"] is not None, p["last_visit"] or today, not p["at_risk"], p["name"]))
    return people


def _categories() -> list[dict]:
    items = Prefetch("items", queryset=ServiceItem.objects.filter(is_active=True).order_by("code"), to_attr="active")
    return [
        {
            "code": category.code,
            "name": category.name,
            "items": [{"code": item.code, "name": item.name} for item in category.active],
        }
        for category in ServiceCategory.objects.prefetch_related(items).order_by("sort_order", "code")
    ]


def _visits_today(user, provider, caregiver: Caregiver | None, today: dt.date) -> list[dict]:
    """This caregiver's visits of today (provider staff without one: the visits they entered today)."""
    visits = scope_queryset(user, Visit.objects.filter(provider=provider, service_date=today))
    visits = visits.filter(caregiver=caregiver) if caregiver is not None else visits.filter(entered_by=user)
    answer = []
    for visit in visits.select_related("recipient", "category").order_by("started_at", "pk")[:TODAY_VISITS_LIMIT]:
        decision = count_decision(visit)
        answer.append(
            {
                "id": visit.pk,
                "client_uuid": str(visit.client_uuid),
                "recipient": visit.recipient_id,
                "recipient_name": visit.recipient.name,
                "category_name": visit.category.name,
                "started_at": visit.started_at,
                "ended_at": visit.ended_at,
                "counts": decision.counts,
                "count_reasons": list(decision.reasons),
            }
        )
    return answer


def phone_today(user, *, today: dt.date | None = None) -> dict:
    """Everything the phone page shows for `today`, as JSON-ready values."""
    assignment, caregiver = phone_user(user)
    provider = own_provider(user)
    today = today or timezone.localdate()
    if assignment.role == Role.CAREGIVER:
        caregivers = [caregiver] if caregiver is not None else []
    else:
        caregivers = list(
            scope_queryset(user, Caregiver.objects.filter(provider=provider, is_active=True)).order_by("name", "pk")
        )
    return {
        "today": today,
        "generated_at": timezone.now(),
        "user": {"username": user.get_username(), "role": assignment.role},
        "provider": {"id": provider.pk, "name": provider.name, "is_demo": provider.is_demo},
        # None: the account names no caregiver record; a caregiver then cannot log (the page says why),
        # provider staff choose from `caregivers`.
        "caregiver": {"id": caregiver.pk, "name": caregiver.name} if caregiver is not None else None,
        "caregivers": [{"id": c.pk, "name": c.name} for c in caregivers],
        "recipients": _recipients(user, provider, today),
        "categories": _categories(),
        "visits": _visits_today(user, provider, caregiver, today),
    }
