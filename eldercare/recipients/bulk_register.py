"""Register many recipients at once (a district's roster from an Excel import): the bulk twin of
`services.recipient_create` and `services.assessment_record`.

Row by row, each registration costs some fifteen queries (its unique and foreign-key checks, its
history row, its recount); 10,000 people would take minutes. Here every person is held to the same
rules as `recipient_create` — the model's field checks and `Recipient.clean` (ID number, age), the
township-in-area rule of the services — with the lookups done in bulk by the caller (areas,
townships, providers are given as objects) and the ID numbers checked for uniqueness in one query.
If any person is refused, nothing is written and every refusal is returned; otherwise the people
and their assessments are inserted with their history rows and audit events (one insert each) and
one recount request is queued for them all, in the caller's transaction.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from eldercare.core.audit import audit_record_many
from eldercare.core.errors import DomainError, refuse_unknown_fields
from eldercare.core.models import AuditEvent
from eldercare.visits.verification.contract import enqueue_recount

from .models import CapabilityAssessment, Recipient
from .services import ASSESSMENT_FIELDS, RECIPIENT_FIELDS, _refuse_township_outside_area

INSERT_BATCH = 1000
LOOKUP_BATCH = 2000
# Foreign keys arrive as objects the caller loaded: their existence needs no query per row.
RECIPIENT_RELATIONS = ["area", "township", "provider"]
ASSESSMENT_RELATIONS = ["recipient", "assessor_provider"]


@dataclass
class Registration:
    """One person to register: the recipient's fields and, optionally, an assessment's."""

    fields: dict
    assessment: dict | None = None


def _checked(entry: Registration) -> tuple[Recipient, CapabilityAssessment | None]:
    refuse_unknown_fields(entry.fields, RECIPIENT_FIELDS - {"home_latitude", "home_longitude"}, _("a recipient"))
    recipient = Recipient(**entry.fields)
    errors = {}
    try:
        recipient.clean_fields(exclude=RECIPIENT_RELATIONS)
    except ValidationError as error:
        errors.update(error.message_dict)
    if "resident_id" not in errors:
        try:
            recipient.clean()
        except ValidationError as error:
            errors.update(error.message_dict)
    if recipient.area_id is None:
        errors["area"] = [str(Recipient._meta.get_field("area").error_messages["null"])]
    assessment = None
    if entry.assessment is not None:
        refuse_unknown_fields(entry.assessment, ASSESSMENT_FIELDS - {"recipient"}, _("an assessment"))
        assessment = CapabilityAssessment(**entry.assessment)
        try:
            assessment.clean_fields(exclude=ASSESSMENT_RELATIONS)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    _refuse_township_outside_area(recipient)
    return recipient, assessment


def _registered(numbers: list[str]) -> set[str]:
    found = set()
    for start in range(0, len(numbers), LOOKUP_BATCH):
        chunk = numbers[start : start + LOOKUP_BATCH]
        found.update(Recipient.objects.filter(resident_id__in=chunk).values_list("resident_id", flat=True))
    return found


@transaction.atomic
def recipients_register_many(
    *, entries: list[Registration], acting_user=None, reason: str = ""
) -> tuple[list[Recipient], dict[int, Exception]]:
    """Register every entry, or none: (the recipients created, {} ) or ([], {index: refusal})."""
    checked, refusals = [], {}
    for index, entry in enumerate(entries):
        try:
            checked.append((index, *_checked(entry)))
        except (ValidationError, DomainError) as error:
            refusals[index] = error
    taken = _registered([recipient.resident_id for _index, recipient, _assessment in checked])
    seen = set()
    for index, recipient, _assessment in checked:
        if recipient.resident_id in taken or recipient.resident_id in seen:
            refusals[index] = ValidationError(
                {"resident_id": _("A recipient with this resident ID number is already registered.")}
            )
        seen.add(recipient.resident_id)
    if refusals:
        return [], refusals
    reason = reason or _("Recipient registered")
    try:
        with transaction.atomic():
            recipients = bulk_create_with_history(
                [recipient for _index, recipient, _assessment in checked],
                Recipient,
                batch_size=INSERT_BATCH,
                default_user=acting_user,
                default_change_reason=reason,
            )
    except IntegrityError:
        # Someone registered one of these people between the check and the insert.
        raise DomainError(
            _("Some of these people were registered meanwhile by someone else; import the file again."),
            code="registered_meanwhile",
        ) from None
    assessments = []
    for (_index, _recipient, assessment), recipient in zip(checked, recipients, strict=True):
        if assessment is not None:
            assessment.recipient = recipient
            assessments.append(assessment)
    assessments = bulk_create_with_history(
        assessments,
        CapabilityAssessment,
        batch_size=INSERT_BATCH,
        default_user=acting_user,
        default_change_reason=reason,
    )
    # A bulk history write sends no per-row signal, so the audit events are written here, one a record.
    audit_record_many(action=AuditEvent.Action.CREATE, user=acting_user, objects=recipients, reason=reason)
    audit_record_many(action=AuditEvent.Action.CREATE, user=acting_user, objects=assessments, reason=reason)
    # What `invalidate` asks for a new recipient and a new assessment: re-check their visits (a new
    # person has none) and recount them. Queued once for all, not once a person.
    enqueue_recount(recipient_ids=[recipient.pk for recipient in recipients], reason="recipients.recipient imported")
    return recipients, {}
