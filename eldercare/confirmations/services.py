"""Writes for confirmation cards: issue (replacing the active card), revoke, and the record of a print.

A card is a capability: whoever holds its link sees the person's recent visits (by given names only)
and may answer for them. So every issue, revoke and print is in the audit log, and a person has at
most one active card (the database's partial unique constraint holds it). Who may call these is
checked by the views and the admin (`accounts.scoping.can_write` on the recipient).
"""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from eldercare.core.audit import audit_record
from eldercare.core.errors import DomainError
from eldercare.core.models import AuditEvent
from eldercare.recipients.models import ConfirmationCard, Recipient

from .selectors import card_active

# 32 random bytes: 43 URL-safe characters, the model's `key` length.
KEY_BYTES = 32


def _acting(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _revoke(card: ConfirmationCard, *, acting_user, request, reason: str) -> None:
    card.revoked_at = timezone.now()
    card.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        action=AuditEvent.Action.CHANGE,
        user=acting_user,
        request=request,
        obj=card,
        reason=reason,
        details={"recipient": card.recipient_id, "revoked": True},
    )


@transaction.atomic
def card_issue(*, recipient: Recipient, acting_user=None, request=None) -> ConfirmationCard:
    """Issue a new card for the person; their active card, if any, is revoked in the same transaction."""
    # Locking the person serialises two issues at once, so neither trips the one-active constraint.
    Recipient.objects.select_for_update().filter(pk=recipient.pk).first()
    replaced = list(ConfirmationCard.objects.select_for_update().filter(recipient=recipient, revoked_at__isnull=True))
    for old in replaced:
        _revoke(old, acting_user=acting_user, request=request, reason=str(_("Replaced by a new confirmation card")))
    card = ConfirmationCard.objects.create(
        recipient=recipient, key=secrets.token_urlsafe(KEY_BYTES), issued_by=_acting(acting_user)
    )
    audit_record(
        action=AuditEvent.Action.CREATE,
        user=acting_user,
        request=request,
        obj=card,
        reason=str(_("Confirmation card issued")),
        details={"recipient": recipient.pk, "replaces": [old.pk for old in replaced]},
    )
    return card


@transaction.atomic
def card_revoke(*, card: ConfirmationCard, acting_user=None, request=None) -> ConfirmationCard:
    """Revoke a card (lost, or no longer wanted): its link answers 404 from now on."""
    locked = ConfirmationCard.objects.select_for_update().get(pk=card.pk)
    if locked.revoked_at is not None:
        raise DomainError(_("This confirmation card is already revoked."), code="card_already_revoked")
    _revoke(locked, acting_user=acting_user, request=request, reason=str(_("Confirmation card revoked")))
    return locked


@transaction.atomic
def card_printed(*, cards: list[ConfirmationCard], acting_user=None, request=None) -> None:
    """Record that these cards' links were printed (handed out), one audit event each."""
    for card in cards:
        audit_record(
            action=AuditEvent.Action.EXPORT,
            user=acting_user,
            request=request,
            obj=card,
            reason=str(_("Confirmation card printed")),
            details={"recipient": card.recipient_id},
        )


@transaction.atomic
def card_for_printing(*, recipient: Recipient, acting_user=None, request=None) -> ConfirmationCard:
    """The person's active card, issued now if they have none (printing again keeps the same link)."""
    Recipient.objects.select_for_update().filter(pk=recipient.pk).first()
    return card_active(recipient) or card_issue(recipient=recipient, acting_user=acting_user, request=request)
