"""Import visits through the bulk upload (`visits.bulk.visits_bulk_ingest`), which checks each visit
as POST /visits/ does and answers per item.

Each row becomes one bulk item: the recipient named by ID number, the caregiver by employee number
(at the named provider, else at the recipient's provider), codes as the upload takes them. A row
without a 记录编号 gets a UUID derived from its content (uuid5), so the same file imported again
finds its visits already present and changes nothing. The upload's slices (1,000 items) all run in
the import's one transaction: a rejected or conflicting item anywhere rolls every slice back.
"""

import uuid

from django.utils import timezone
from django.utils.translation import gettext as _

from eldercare.core.errors import DomainError
from eldercare.providers.models import Caregiver, Provider
from eldercare.recipients.models import Recipient
from eldercare.visits.bulk import ALREADY_PRESENT, CONFLICT, CREATED, MAX_BULK_VISITS, visits_bulk_ingest

from .columns import VISITS
from .reading import CellError, ParsedRow

# The column a repeated row is named by.
KEY_COLUMN = "client_uuid"
KIND = VISITS
# Fixed: the UUIDs derived from a row's content must be the same in every import of the file.
ROW_NAMESPACE = uuid.UUID("0b7c6a52-3f61-5d1e-9f0a-6c2d8e4b1a77")
CONTENT_KEYS = ("recipient", "provider", "caregiver", "category", "items", "started_at", "ended_at")


def _header(key: str) -> str:
    return KIND.column(key).header


def row_key(row: ParsedRow) -> str | None:
    """The row's client UUID: its 记录编号, or a uuid5 of its content."""
    given = row.values.get("client_uuid")
    if given:
        return given
    if any(key not in row.values for key in ("recipient", "caregiver", "started_at")):
        return None
    content = "|".join(str(row.values.get(key, "")) for key in CONTENT_KEYS)
    return str(uuid.uuid5(ROW_NAMESPACE, content))


def existing_keys(rows: list[ParsedRow]) -> set:
    return set()  # the bulk upload answers "already present" itself


def _item_codes(text: str) -> list[str]:
    return [code.strip() for code in text.replace("，", ",").replace("、", ",").split(",") if code.strip()]


def _items(rows: list[ParsedRow]) -> tuple[list[dict], list[CellError]]:
    numbers = {row.values["recipient"].upper() for row in rows}
    recipients = {
        r.resident_id: r
        for r in Recipient.objects.filter(resident_id__in=numbers).only("pk", "resident_id", "provider_id")
    }
    providers = {
        p.credit_code: p.pk for p in Provider.objects.filter(credit_code__in={r.values.get("provider") for r in rows})
    }
    caregivers = {
        (c.provider_id, c.employee_number): c.pk
        for c in Caregiver.objects.filter(employee_number__in={row.values["caregiver"] for row in rows})
    }
    items, errors = [], []
    for row in rows:
        values = row.values
        try:
            client_uuid = str(uuid.UUID(row_key(row)))
        except ValueError:
            errors.append(CellError(row.line, _header("client_uuid"), _("This is not a UUID.")))
            continue
        recipient = recipients.get(values["recipient"].upper())
        if recipient is None:
            errors.append(CellError(row.line, _header("recipient"), _("No recipient has this ID number.")))
            continue
        provider_id = providers.get(values.get("provider")) or recipient.provider_id
        caregiver_id = caregivers.get((provider_id, values["caregiver"]))
        if caregiver_id is None:
            errors.append(
                CellError(row.line, _header("caregiver"), _("The provider has no caregiver with this employee number."))
            )
            continue
        item = {
            "client_uuid": client_uuid,
            "recipient": recipient.pk,
            "caregiver": caregiver_id,
            "category": values["category"],
            "items": [
                code for code in values.get("items", "").replace("，", ",").replace("、", ",").split(",") if code
            ],
            "started_at": timezone.make_aware(values["started_at"]).isoformat(),
            "ended_at": timezone.make_aware(values["ended_at"]).isoformat(),
        }
        if "provider" in values:
            item["provider"] = provider_id
        item.update({key: values[key] for key in ("satisfaction", "note") if key in values})
        items.append((row.line, item))
    return items, errors


def write_rows(rows: list[ParsedRow], acting_user) -> tuple[int, int, list[CellError]]:
    items, errors = _items(rows)
    if errors:
        return 0, 0, errors
    labels = {column.key: column.header for column in KIND.columns}
    labels.update({"checkin_latitude": "", "service_date": _header("started_at")})
    created = skipped = 0
    for start in range(0, len(items), MAX_BULK_VISITS):
        chunk = items[start : start + MAX_BULK_VISITS]
        try:
            results = visits_bulk_ingest(items=[item for _line, item in chunk], acting_user=acting_user)
        except DomainError as error:
            return 0, 0, [CellError(chunk[0][0], "", str(error.message))]
        for (line, _item), result in zip(chunk, results, strict=True):
            if result.status == CREATED:
                created += 1
            elif result.status == ALREADY_PRESENT:
                skipped += 1
            elif result.status == CONFLICT:
                errors.append(
                    CellError(
                        line, _header("client_uuid"), _("A visit with this number exists with different content.")
                    )
                )
            else:
                for name, messages in result.errors.items():
                    errors.extend(CellError(line, labels.get(name, ""), message) for message in messages)
    return created, skipped, errors
