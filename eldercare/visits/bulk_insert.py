"""The bulk upload's insert: visits, their history rows, service items and audit events at once.

On PostgreSQL one statement does it all: the visits' columns travel as one array each (`unnest`),
the visits are inserted with `ON CONFLICT (client_uuid) DO NOTHING … RETURNING`, and the history
rows, item links and audit events are inserted from what the insert returned, in the same statement.
Per visit that is a few array elements instead of an ORM object per row and table; the rows written
are the ones `bulk_create_with_history`, the items' `bulk_create` and `audit_record_many` write (the
SQLite path still calls those: `tests/visits/test_bulk_insert.py` compares the two row by row).

A UUID another upload inserted meanwhile comes back missing from RETURNING: the caller's savepoint
rolls back and the batch is run again (as with the unique-constraint error the ORM path raises).
"""

import functools

from django.db import IntegrityError, connection
from django.utils import timezone

from eldercare.core.models import AuditEvent

from .models import Visit

# Every column of a visit but its id, with the array type it travels as.
_ARRAY_TYPES = {
    "DateTimeField": "timestamptz",
    "DateField": "date",
    "UUIDField": "uuid",
    "ForeignKey": "bigint",
    "DecimalField": "numeric",
    "CharField": "text",
    "TextField": "text",
    "BooleanField": "boolean",
}


@functools.cache
def _visit_columns() -> list[tuple[str, str, str]]:
    """(attribute, column, array type) of every stored field of a visit but its id."""
    return [
        (field.attname, field.column, _ARRAY_TYPES[field.get_internal_type()])
        for field in Visit._meta.concrete_fields
        if not field.primary_key
    ]


@functools.cache
def _history_columns() -> list[str]:
    """The visit columns the history table keeps (it leaves out `updated_at` and `is_countable`)."""
    kept = {field.column for field in Visit.history.model._meta.concrete_fields}
    return [column for _attname, column, _type in _visit_columns() if column in kept]


def insert_visits_postgresql(visits: list[Visit], item_ids: list[list[int]], *, user, reason: str) -> None:
    """Insert `visits` (setting their pk) with their history, `item_ids` links and audit events."""
    now = timezone.now()
    for visit in visits:
        visit.created_at = visit.created_at or now
        visit.updated_at = now
    columns = _visit_columns()
    params: dict = {}
    varying, chosen = [], []
    for index, (attname, column, kind) in enumerate(columns):
        values = [getattr(visit, attname) for visit in visits]
        if column != "client_uuid" and all(value == values[0] for value in values):
            # The same for every visit (status, who entered them, the unset fee and void columns…):
            # one parameter instead of an array of copies for the driver to quote.
            params[f"c{index}"] = values[0]
            chosen.append(f"%(c{index})s::{kind}")
        else:
            params[f"c{index}"] = values
            varying.append((index, column, kind))
            chosen.append(f"sent.{column}")
    arrays = ", ".join(f"%(c{index})s::{kind}[]" for index, _column, kind in varying)
    sent_names = ", ".join(column for _index, column, _kind in varying)
    names = ", ".join(column for _a, column, _t in columns)
    history = ", ".join(_history_columns())
    links = [(visit.client_uuid, item) for visit, items in zip(visits, item_ids, strict=True) for item in items]
    params.update(
        now=now,
        reason=reason,
        user=user.pk if user is not None else None,
        username=(user.get_username() if user is not None else "")[:150],
        action=AuditEvent.Action.CREATE,
        object_type=Visit._meta.label_lower,
        link_uuids=[uuid for uuid, _item in links],
        link_items=[item for _uuid, item in links],
        uuids=[visit.client_uuid for visit in visits],
        reprs=[str(visit)[:200] for visit in visits],
    )
    statement = f"""
        WITH new AS (
            INSERT INTO visits_visit ({names})
            SELECT {", ".join(chosen)} FROM unnest({arrays}) AS sent({sent_names})
            ON CONFLICT (client_uuid) DO NOTHING
            RETURNING id, {names}
        ),
        history AS (
            INSERT INTO visits_historicalvisit (id, {history}, history_date, history_change_reason, history_type,
                                                history_user_id)
            SELECT id, {history}, %(now)s, %(reason)s, '+', %(user)s FROM new
        ),
        links AS (
            INSERT INTO visits_visit_items (visit_id, serviceitem_id)
            SELECT new.id, link.item_id
            FROM unnest(%(link_uuids)s::uuid[], %(link_items)s::bigint[]) AS link(client_uuid, item_id)
            JOIN new USING (client_uuid)
        ),
        audit AS (
            INSERT INTO core_auditevent (occurred_at, user_id, username, action, object_type, object_id,
                                         object_repr, reason, details)
            SELECT %(now)s, %(user)s, %(username)s, %(action)s, %(object_type)s, new.id::text, shown.repr,
                   %(reason)s, '{{}}'::jsonb
            FROM unnest(%(uuids)s::uuid[], %(reprs)s::text[]) AS shown(client_uuid, repr)
            JOIN new USING (client_uuid)
        )
        SELECT client_uuid, id FROM new
    """
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        ids = dict(cursor.fetchall())
    if len(ids) != len(visits):
        raise IntegrityError("another upload stored some of these client UUIDs first")
    for visit in visits:
        visit.pk = ids[visit.client_uuid]
