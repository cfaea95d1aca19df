"""Bulk upload of visits from apps and integrations: idempotent by client UUID, fast, item by item.

`visits_bulk_ingest(items=..., acting_user=...)` answers every item with one of

- created: a new visit was recorded;
- already_present: a visit with this client UUID and the same content exists (a resend);
- conflict: a visit with this client UUID exists with different content (nothing is changed);
- rejected: the item breaks a rule; `errors` names the fields, in the request's language.

An item's coordinates are read in its `coordinate_system` (wgs84 when left out) and stored as
`visit_create` stores them (`services.place_sent_location`): as sent, and converted to WGS-84 in plain
floats, item by item, with no query. A resend is recognised by what was sent, not by the conversion.

One bad item never rejects the others, and resending a batch changes nothing. Items follow the input
policy (`eldercare.core.input_policy`) as POST /visits/ does: a key the upload does not take (say
`"status"`) is refused by name, as are control characters, a note longer than the note limit and a
time outside the plausible window; a refused item stores nothing. The cost is a fixed number of
queries for the whole batch, whatever its size:

1. check every item against the input policy, parse it and collect the ids and codes it refers to;
2. load recipients, caregivers, providers (each through the caller's scope), categories, items and
   the visits that already carry the batch's UUIDs: one query each;
3. validate each new item with the model's own rules (`Visit.clean_fields` without the foreign-key
   lookups, which are preloaded, and `Visit.clean`), the same rules `visit_create` applies;
4. insert the good ones with their history rows and service items in bulk, verify them all at once
   (`verify_visits`) and ask for one roll-up recount of the recipients touched after commit.

Two uploads of the same UUID at once: the loser's insert breaks the unique constraint, its
savepoint rolls back and the batch is run again, finding the winner's visit already present.
"""

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from eldercare.accounts.scoping import can_write, scope_queryset
from eldercare.core.audit import audit_record_many
from eldercare.core.errors import DomainError
from eldercare.core.geo import CoordinateSystem
from eldercare.core.input_policy import (
    UNKNOWN_FIELD_MESSAGE,
    plausible_id,
    raw_input_problem,
    validate_model_value,
)
from eldercare.core.models import AuditEvent
from eldercare.providers.models import Caregiver, Provider
from eldercare.recipients.enrolments import enrolments_by_recipient
from eldercare.recipients.models import Recipient

from .bulk_insert import insert_visits_postgresql
from .models import SatisfactionSource, ServiceCategory, ServiceItem, Visit, VisitStatus
from .services import ACCURACY_FIELDS, place_sent_location
from .verification.contract import enqueue_verification

MAX_BULK_VISITS = 1000
# Rows per INSERT: as many as the database takes (PostgreSQL: the whole batch of at most 1,000;
# SQLite: its 999-parameter limit decides).
INSERT_BATCH = None
# A concurrent upload of the same UUIDs makes our insert fail; the batch is re-run this many times.
INSERT_ATTEMPTS = 3

CREATED = "created"
ALREADY_PRESENT = "already_present"
CONFLICT = "conflict"
REJECTED = "rejected"
ITEM_STATUSES = (CREATED, ALREADY_PRESENT, CONFLICT, REJECTED)

DATETIME_FIELDS = ("started_at", "ended_at")
DECIMAL_FIELDS = ("checkin_latitude", "checkin_longitude", "checkout_latitude", "checkout_longitude")
TEXT_FIELDS = ("satisfaction", "note")
# The keys an item may carry (the fields of POST /visits/); any other is refused by name.
ITEM_FIELDS = frozenset(
    {"client_uuid", "recipient", "provider", "caregiver", "category", "items", *DATETIME_FIELDS}
    | {*DECIMAL_FIELDS, *ACCURACY_FIELDS, "coordinate_system", *TEXT_FIELDS}
)
FOREIGN_KEYS = ("recipient", "provider", "caregiver", "category", "area", "entered_by", "voided_by", "fee_confirmed_by")
# Fields `_build_visit` sets from constants, never from the item (a new visit is completed, not
# countable until verified, rated by the caregiver if at all; the day is derived by `Visit.clean`):
# validating them per item could only ever pass, at a fifth of the per-item cost.
CONSTANT_FIELDS = ("status", "is_countable", "satisfaction_source", "service_date", "created_at", "updated_at")


@dataclass
class ItemResult:
    index: int
    client_uuid: str | None
    status: str
    id: int | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        answer = {"index": self.index, "client_uuid": self.client_uuid, "status": self.status, "id": self.id}
        if self.errors:
            answer["errors"] = self.errors
        return answer


@dataclass
class _Item:
    index: int
    raw: dict
    client_uuid: uuid.UUID | None = None
    recipient_id: int | None = None
    caregiver_id: int | None = None
    provider_id: int | None = None
    category_code: str | None = None
    item_codes: tuple[str, ...] = ()
    errors: dict[str, list[str]] = field(default_factory=dict)
    visit: Visit | None = None
    refused: set[str] = field(default_factory=set)

    def error(self, name: str, message) -> None:
        if name not in self.refused:  # the policy's refusal says it all; no "give the id" after it
            self.errors.setdefault(name, []).append(str(message))

    def refuse(self, name: str, message) -> None:
        self.error(name, message)
        self.refused.add(name)


def _code(value) -> str | None:
    return value if isinstance(value, str) and value and len(value) <= 64 else None


def _datetime(value) -> dt.datetime | None:
    if isinstance(value, str):
        try:
            value = parse_datetime(value.strip())
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _parse(index: int, raw) -> _Item:
    """Read one item's references and plain values; what cannot be read becomes a field error."""
    if not isinstance(raw, dict):
        item = _Item(index=index, raw={})
        item.error("non_field_errors", _("Each visit must be an object."))
        return item
    item = _Item(index=index, raw=raw)
    for name in sorted(set(raw) - ITEM_FIELDS, key=str):
        item.refuse(str(name), UNKNOWN_FIELD_MESSAGE)
    for name in sorted(ITEM_FIELDS & set(raw)):
        problem = raw_input_problem(raw[name], multiline=name == "note")
        if problem is not None:
            item.refuse(name, problem.messages[0])
    # What the policy refused is read no further (a control character never reaches a query).
    raw = item.raw = {name: value for name, value in raw.items() if name in ITEM_FIELDS - item.refused}
    try:
        item.client_uuid = uuid.UUID(str(raw.get("client_uuid") or ""))
    except (ValueError, TypeError, AttributeError):
        item.error("client_uuid", _("Give the visit's client UUID."))
    for name in ("recipient", "caregiver"):
        pk = plausible_id(raw.get(name))
        if pk is None:
            item.error(name, _("Give the id of the %(what)s.") % {"what": Visit._meta.get_field(name).verbose_name})
        setattr(item, f"{name}_id", pk)
    if raw.get("provider") is not None:
        item.provider_id = plausible_id(raw.get("provider"))
        if item.provider_id is None:
            item.error("provider", _("Give the id of the provider, or leave it out."))
    item.category_code = _code(raw.get("category"))
    if item.category_code is None:
        item.error("category", _("Give the code of the service category."))
    codes = raw.get("items", [])
    if codes is None:
        codes = []
    if not isinstance(codes, list) or any(_code(code) is None for code in codes):
        item.error("items", _("Give the service items as a list of codes."))
    else:
        item.item_codes = tuple(sorted(set(codes)))
    return item


def _build_visit(item: _Item, refs: "_References", acting_user) -> Visit:
    """A Visit with the item's values, its references resolved from the preloaded rows."""
    raw = item.raw
    recipient = refs.recipients.get(item.recipient_id)
    caregiver = refs.caregivers.get(item.caregiver_id)
    category = refs.categories.get(item.category_code)
    if item.recipient_id is not None and recipient is None:
        item.error("recipient", _("No such recipient within your scope."))
    if item.caregiver_id is not None and caregiver is None:
        item.error("caregiver", _("No such caregiver within your scope."))
    if item.category_code is not None and category is None:
        item.error("category", _("No such service category."))
    provider = None
    if item.provider_id is not None:
        provider = refs.providers.get(item.provider_id)
        if provider is None:
            item.error("provider", _("No such provider within your scope."))
    elif caregiver is not None:
        provider = caregiver.provider
    unknown = [code for code in item.item_codes if code not in refs.items]
    if unknown:
        item.error("items", _("No such service items: %(codes)s") % {"codes": ", ".join(unknown)})
    visit = Visit(
        client_uuid=item.client_uuid,
        recipient=recipient,
        caregiver=caregiver,
        provider=provider,
        category=category,
        status=VisitStatus.COMPLETED,
        entered_by=acting_user,
    )
    if recipient is not None:
        visit.preloaded_enrolments = refs.enrolments.get(recipient.pk, [])
    for name in DATETIME_FIELDS:
        value = _datetime(raw.get(name))
        if value is None:
            item.error(name, _("Give a date and time in ISO 8601, such as 2023-08-01T09:00:00+08:00."))
        elif _policy_refuses(item, name, value):
            value = None
        setattr(visit, name, value)
    location = {}
    for name in DECIMAL_FIELDS:
        value = raw.get(name)
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal | None):
            item.error(name, _("Give a number."))
        elif name in raw:
            location[name] = value
    location.update((name, raw[name]) for name in ACCURACY_FIELDS if name in raw)
    system = raw.get("coordinate_system")
    problems = place_sent_location(visit, system=CoordinateSystem.WGS84 if system is None else system, sent=location)
    for name, messages in problems.items():
        for message in messages:
            item.error(name, message)
    for name in TEXT_FIELDS:
        value = raw.get(name) or ""
        if not isinstance(value, str):
            item.error(name, _("Give text."))
            value = ""
        elif _policy_refuses(item, name, value):
            value = ""
        setattr(visit, name, value)
    visit.satisfaction_source = SatisfactionSource.CAREGIVER if visit.satisfaction else ""
    return visit


def _policy_refuses(item: _Item, name: str, value) -> bool:
    """The input policy's checks of a parsed value (time window, text length), as POST /visits/ applies them."""
    try:
        validate_model_value(Visit._meta.get_field(name), value)
    except ValidationError as error:
        for message in error.messages:
            item.refuse(name, message)
        return True
    return False


def _validate(visit: Visit, item: _Item) -> None:
    """The model's own rules, as `visit_create`'s full_clean applies them, without per-row queries."""
    try:
        # Foreign keys are preloaded (their validation would query one row at a time); uniqueness
        # of the client UUID was settled against the visits already stored.
        visit.clean_fields(exclude=[*FOREIGN_KEYS, *CONSTANT_FIELDS, "client_uuid", *(item.errors or ())])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                item.error(name, message)
    if item.errors:
        return
    try:
        visit.clean()
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                item.error(name, message)


@dataclass
class _References:
    recipients: dict[int, Recipient]
    caregivers: dict[int, Caregiver]
    providers: dict[int, Provider]
    categories: dict[str, ServiceCategory]
    items: dict[str, ServiceItem]
    enrolments: dict[int, list]


def _load_references(parsed: list[_Item], acting_user) -> _References:
    def ids(name):
        return {getattr(item, f"{name}_id") for item in parsed} - {None}

    recipients = scope_queryset(acting_user, Recipient.objects.filter(pk__among=ids("recipient")))
    caregivers = scope_queryset(acting_user, Caregiver.objects.filter(pk__among=ids("caregiver"))).select_related(
        "provider"
    )
    providers = scope_queryset(acting_user, Provider.objects.filter(pk__among=ids("provider")))
    codes = {code for item in parsed for code in item.item_codes}
    categories = {item.category_code for item in parsed} - {None}
    return _References(
        # The name too: the audit event shows each visit by date, name and category.
        recipients={row.pk: row for row in recipients.only("pk", "area_id", "provider_id", "name")},
        caregivers={row.pk: row for row in caregivers},
        providers={row.pk: row for row in providers},
        categories={row.code: row for row in ServiceCategory.objects.filter(code__in=categories)},
        items={row.code: row for row in ServiceItem.objects.filter(code__in=codes, is_active=True)},
        enrolments=enrolments_by_recipient(ids("recipient")),
    )


def _sent(visit: Visit, name: str) -> Decimal | None:
    """A coordinate as the device sent it; a visit stored before the as-sent columns sent its WGS-84 one."""
    value = getattr(visit, f"{name}_sent")
    value = getattr(visit, name) if value is None else value
    return None if value is None else Decimal(value)


def _content(visit: Visit, item_codes, *, provider_given: bool, satisfaction: bool = True) -> tuple:
    """What makes two uploads of one UUID the same visit (the provider only when the item names it).

    Coordinates are compared as sent, in the system sent. A satisfaction the older person has since
    replaced with their own rating is left out (`satisfaction=False`): the phone's resend still carries
    the one it recorded.
    """
    return (
        visit.recipient_id,
        visit.caregiver_id,
        visit.provider_id if provider_given else None,
        visit.category_id,
        visit.started_at,
        visit.ended_at,
        visit.coordinate_system,
        *(_sent(visit, name) for name in DECIMAL_FIELDS),
        *(getattr(visit, name) for name in ACCURACY_FIELDS),
        (visit.satisfaction or "") if satisfaction else None,
        visit.note or "",
        tuple(sorted(item_codes)),
    )


def _existing(uuids: set[uuid.UUID]) -> dict[uuid.UUID, tuple[Visit, tuple[str, ...]]]:
    visits = {visit.pk: visit for visit in Visit.objects.filter(client_uuid__among=uuids)}
    codes: dict[int, list[str]] = defaultdict(list)
    for visit_id, code in Visit.items.through.objects.filter(visit_id__among=list(visits)).values_list(
        "visit_id", "serviceitem__code"
    ):
        codes[visit_id].append(code)
    return {visit.client_uuid: (visit, tuple(sorted(codes[visit.pk]))) for visit in visits.values()}


def _ingest_once(parsed: list[_Item], acting_user) -> list[ItemResult]:
    refs = _load_references(parsed, acting_user)
    existing = _existing({item.client_uuid for item in parsed if item.client_uuid})
    results: list[ItemResult] = []
    first_of_uuid: dict[uuid.UUID, tuple[tuple, ItemResult]] = {}
    to_create: list[tuple[_Item, ItemResult]] = []
    for item in parsed:
        label = str(item.client_uuid) if item.client_uuid else None
        if item.client_uuid is None:
            results.append(ItemResult(item.index, label, REJECTED, errors=item.errors))
            continue
        visit = _build_visit(item, refs, acting_user)
        _validate(visit, item)
        content = (
            _content(visit, item.item_codes, provider_given=item.provider_id is not None) if not item.errors else None
        )
        if item.client_uuid in first_of_uuid:  # the same UUID twice in one batch
            first_content, first = first_of_uuid[item.client_uuid]
            if first.status == REJECTED and content is None:
                results.append(ItemResult(item.index, label, REJECTED, errors=item.errors))
                continue
            same = content is not None and content == first_content and first.status != REJECTED
            results.append(ItemResult(item.index, label, ALREADY_PRESENT if same else CONFLICT, id=first.id))
            continue
        stored = existing.get(item.client_uuid)
        if stored is not None:
            stored_visit, stored_codes = stored
            given = item.provider_id is not None
            kept = stored_visit.satisfaction_source != SatisfactionSource.RECIPIENT
            same = content is not None and _content(
                visit, item.item_codes, provider_given=given, satisfaction=kept
            ) == _content(stored_visit, stored_codes, provider_given=given, satisfaction=kept)
            result = ItemResult(item.index, label, ALREADY_PRESENT if same else CONFLICT, id=stored_visit.pk)
        elif item.errors:
            result = ItemResult(item.index, label, REJECTED, errors=item.errors)
        else:
            item.visit = visit
            result = ItemResult(item.index, label, CREATED)
            to_create.append((item, result))
        first_of_uuid[item.client_uuid] = (content, result)
        results.append(result)
    _insert(to_create, refs, acting_user)
    for result in results:  # duplicates within the batch point at the visit just created
        if result.status == ALREADY_PRESENT and result.id is None:
            result.id = first_of_uuid[uuid.UUID(result.client_uuid)][1].id
    return results


def _insert(to_create: list[tuple["_Item", ItemResult]], refs: _References, acting_user) -> None:
    if not to_create:
        return
    visits = [item.visit for item, _result in to_create]
    reason = _("Visit recorded (bulk upload)")
    if connection.vendor == "postgresql":
        item_ids = [[refs.items[code].pk for code in item.item_codes] for item, _result in to_create]
        insert_visits_postgresql(visits, item_ids, user=acting_user, reason=reason)
        created = visits
    else:
        created = _insert_with_the_orm(to_create, visits, refs, acting_user, reason)
    for (_item, result), visit in zip(to_create, created, strict=True):
        result.id = visit.pk
    # New visits do not count until verified (is_countable starts False), so verification and the
    # recount follow in the recount queue's drain, once the batch is safely stored.
    enqueue_verification(
        visits=[(visit.recipient_id, visit.service_date) for visit in created], reason="visits.visit bulk upload"
    )


def _insert_with_the_orm(to_create, visits: list[Visit], refs: _References, acting_user, reason: str) -> list[Visit]:
    """The portable insert (SQLite): the same rows `insert_visits_postgresql` writes in one statement."""
    created = bulk_create_with_history(
        visits,
        Visit,
        batch_size=INSERT_BATCH,
        default_user=acting_user,
        default_change_reason=reason,
    )
    through = Visit.items.through
    links = [
        through(visit_id=visit.pk, serviceitem_id=refs.items[code].pk)
        for (item, _result), visit in zip(to_create, created, strict=True)
        for code in item.item_codes
    ]
    through.objects.bulk_create(links, batch_size=INSERT_BATCH)
    # The bulk history write sends no per-row signal, so the audit events are written here: one a visit.
    audit_record_many(action=AuditEvent.Action.CREATE, user=acting_user, objects=created, reason=reason)
    return created


def visits_bulk_ingest(*, items: list, acting_user) -> list[ItemResult]:
    """Record up to MAX_BULK_VISITS visits at once; answer each item (see the module's docstring)."""
    if not can_write(acting_user, model=Visit):
        raise DomainError(_("Your role may not record visits."), code="read_only")
    if not isinstance(items, list) or not items:
        raise DomainError(_("Send a list of visits."), field="visits")
    if len(items) > MAX_BULK_VISITS:
        raise DomainError(
            _("Send at most %(limit)d visits at once.") % {"limit": MAX_BULK_VISITS}, field="visits", code="too_many"
        )
    user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    for attempt in range(1, INSERT_ATTEMPTS + 1):
        parsed = [_parse(index, raw) for index, raw in enumerate(items)]
        try:
            with transaction.atomic():
                return _ingest_once(parsed, user)
        except IntegrityError:
            if attempt == INSERT_ATTEMPTS:
                raise
    raise AssertionError("unreachable")
