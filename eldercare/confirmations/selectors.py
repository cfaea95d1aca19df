"""Reads for confirmation cards and the confirmation page."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from eldercare.accounts.scoping import can_write
from eldercare.recipients.models import ConfirmationCard, Recipient
from eldercare.visits.confirmation import confirmable_visits
from eldercare.visits.models import Visit, VisitConfirmation

from .names import given_name

# More than a week of daily visits can hold; a page this long is a sign of bad data, not a need.
MAX_VISITS_SHOWN = 60


def card_active(recipient: Recipient) -> ConfirmationCard | None:
    """The person's active card, if they have one."""
    return ConfirmationCard.objects.filter(recipient=recipient, revoked_at__isnull=True).first()


def may_handle_cards(user, recipient: Recipient) -> bool:
    """Issuing, printing and revoking a person's card: for those who may write the person's record."""
    return can_write(user, recipient)


@dataclass(frozen=True)
class VisitRow:
    """A visit as the confirmation page shows it: nothing that identifies anyone beyond a given name."""

    visit_id: int
    day: dt.date
    started_at: dt.datetime
    ended_at: dt.datetime
    category: str
    caregiver: str
    confirmation: VisitConfirmation | None


def visit_rows(card: ConfirmationCard, *, today: dt.date | None = None) -> list[VisitRow]:
    """The card's person's visits of the confirmation window, newest first."""
    visits = (
        confirmable_visits(card.recipient_id, today=today)
        .select_related("category", "caregiver", "confirmation")
        .order_by("-started_at", "-pk")[:MAX_VISITS_SHOWN]
    )
    return [
        VisitRow(
            visit_id=visit.pk,
            day=visit.service_date,
            started_at=timezone.localtime(visit.started_at),
            ended_at=timezone.localtime(visit.ended_at),
            category=visit.category.name,
            caregiver=given_name(visit.caregiver.name),
            confirmation=_confirmation(visit),
        )
        for visit in visits
    ]


def _confirmation(visit: Visit) -> VisitConfirmation | None:
    try:
        return visit.confirmation
    except VisitConfirmation.DoesNotExist:
        return None
