"""The older person's own answer about a visit (扫码确认): it took place or not, and how it went.

Given on the public confirmation page (`eldercare.confirmations`) by the person or their family,
once per visit. The answer is evidence beside the visit (`VisitConfirmation`); a rating also becomes
the visit's satisfaction, marked as the older person's own (`SatisfactionSource.RECIPIENT`), because
their word weighs more than the one recorded with the visit, and from then on no edit replaces it.

A visit whose fee is confirmed, or past the batch's lock period, still takes the answer: it is
evidence about the visit, not a change to it, and a "did not take place" or a low rating on a paid
visit is exactly what a reviewer must see (the verification rules flag it). But its recorded
satisfaction stays as it was when the fee was confirmed: a locked visit's content never changes
after payment (auditors compare it with what was paid), and the rating is kept in the confirmation.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eldercare.core.audit import audit_record
from eldercare.core.errors import DomainError
from eldercare.core.models import AuditEvent

from .models import Satisfaction, SatisfactionSource, Visit, VisitConfirmation, VisitStatus
from .services import visit_is_locked
from .verification.contract import changed_fields, invalidate, snapshot

# Visits of today and the six days before can be answered: long enough for a family that visits
# at the weekend, short enough that the person still remembers the visit.
CONFIRMATION_WINDOW_DAYS = 7
# A new confirmation sets every field the invalidation contract may name.
CONFIRMATION_FIELDS = ("visit", "took_place", "rating")


def confirmation_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last service day a confirmation may answer (both included)."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=CONFIRMATION_WINDOW_DAYS - 1), today


def confirmable_visits(recipient_id: int, *, today: dt.date | None = None) -> QuerySet:
    """The recipient's visits the confirmation page shows: completed, in the window, not in the future."""
    first, last = confirmation_window(today)
    return Visit.objects.filter(
        recipient_id=recipient_id,
        status=VisitStatus.COMPLETED,
        service_date__gte=first,
        service_date__lte=last,
        started_at__lte=timezone.now(),
    )


@transaction.atomic
def visit_confirm(
    *, visit: Visit, card, took_place: bool, rating: str = "", request=None, today: dt.date | None = None
) -> VisitConfirmation:
    """Record the older person's answer about one visit; a second answer is refused, changing nothing.

    1. The visit row is locked first, so two answers sent at once are taken one after the other and
       the second finds the first (the one-to-one constraint is the guarantee behind it).
    2. The card must be active and the person's, and the visit in the window: a link only answers
       for its own person's recent visits.
    3. The rating becomes the visit's satisfaction unless the visit is locked (see the module doc).
    4. Through the contract, the visit is checked again at once (a "did not take place" raises an
       exception for review) and its recipient's recount (the satisfaction figure) is queued.
    """
    locked = Visit.objects.select_for_update().select_related("area__batch").get(pk=visit.pk)
    if card.revoked_at is not None or card.recipient_id != locked.recipient_id:
        raise DomainError(_("This card does not answer for this visit."), code="confirmation_wrong_card")
    if not confirmable_visits(locked.recipient_id, today=today).filter(pk=locked.pk).exists():
        raise DomainError(
            _("Only visits of the last %(days)d days can be confirmed.") % {"days": CONFIRMATION_WINDOW_DAYS},
            code="confirmation_outside_window",
        )
    if rating and rating not in Satisfaction.values:
        raise DomainError(_("Choose 满意, 基本满意 or 不满意."), field="rating", code="confirmation_bad_rating")
    if not took_place and rating:
        raise DomainError(_("A visit that did not take place is not rated."), field="rating")
    if VisitConfirmation.objects.filter(visit=locked).exists():
        raise DomainError(_("This visit has already been confirmed."), code="already_confirmed")
    try:
        with transaction.atomic():
            confirmation = VisitConfirmation.objects.create(
                visit=locked, card=card, took_place=took_place, rating=rating if took_place else ""
            )
    except IntegrityError as error:  # an answer that slipped past the lock (another database)
        raise DomainError(_("This visit has already been confirmed."), code="already_confirmed") from error

    changed: list[str] = []
    kept_locked = bool(rating) and visit_is_locked(locked, today=today)
    if rating and not kept_locked:
        before = snapshot(locked, ["satisfaction", "satisfaction_source"])
        locked.satisfaction = rating
        locked.satisfaction_source = SatisfactionSource.RECIPIENT
        # No full_clean: the answer must be kept even on a visit that fails today's checks. The history
        # row's user is whoever is signed in on that browser (nobody, for the older person's phone).
        locked._change_reason = str(_("Rated by the older person on the confirmation page"))
        locked.save(update_fields=["satisfaction", "satisfaction_source", "updated_at"])
        changed = changed_fields(locked, before)
        invalidate(locked, changed, before=before, reason="visits.visitconfirmation rated")
    audit_record(
        action=AuditEvent.Action.CREATE,
        request=request,
        obj=confirmation,
        reason=str(_("Answered by the older person on the confirmation page")),
        details={
            "visit": locked.pk,
            "card": card.pk,
            "took_place": took_place,
            "rating": confirmation.rating,
            "satisfaction_changed": changed,
            "kept_because_locked": kept_locked,
        },
    )
    # The visit's own checks read the answer (unconfirmed, disputed): the contract re-checks the visit
    # now, in this transaction, and queues its recipient's recount.
    invalidate(confirmation, CONFIRMATION_FIELDS, reason="visits.visitconfirmation created")
    return confirmation
