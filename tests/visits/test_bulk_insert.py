"""The bulk upload's one-statement insert on PostgreSQL writes the rows the ORM path writes.

`visits.bulk_insert.insert_visits_postgresql` inserts visits, history rows, item links and audit
events in one statement; SQLite keeps `bulk_create_with_history` and friends. The same batch is sent
once through each path (the ORM one by making the upload believe it runs elsewhere) and every row
of the four tables compared, but for ids, UUIDs and the moment of writing.
"""

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.db import connection

from eldercare.core.models import AuditEvent
from eldercare.visits import bulk
from eldercare.visits.bulk import visits_bulk_ingest
from eldercare.visits.models import Visit
from tests.api.conftest import provider_user, world  # noqa: F401 (fixtures)
from tests.api.test_bulk import visit_item
from tests.services import require

VARYING = {"id", "client_uuid", "created_at", "updated_at", "history_id", "history_date"}


def a_batch(the_world, first_day: int) -> list[dict]:
    """Three days of visits with coordinates, two items on one, a note with a quote and a line break."""
    items = [visit_item(the_world, first_day + offset) for offset in range(3)]
    items[0]["items"] = [the_world.item.code, the_world.item.code]
    items[1].update(note='老人说"很好"\n下次再来', satisfaction="", checkout_latitude="40.220100")
    items[1]["checkout_longitude"] = "116.230100"
    items[2].update(coordinate_system="gcj02", checkin_accuracy_m="15.5")
    return items


def rows_written(ids: list[int]) -> dict:
    history = Visit.history.model.objects.filter(id__in=ids).order_by("service_date").values()
    links = Visit.items.through.objects.filter(visit_id__in=ids).order_by("visit__service_date")
    audit = AuditEvent.objects.filter(object_type="visits.visit", object_id__in=[str(pk) for pk in ids])

    def plain(rows):
        return [{key: value for key, value in row.items() if key not in VARYING} for row in rows]

    return {
        "visits": plain(Visit.objects.filter(pk__in=ids).order_by("service_date").values()),
        "history": plain(history),
        "links": [link.serviceitem_id for link in links],
        "audit": sorted(
            (event.user_id, event.username, event.action, event.object_repr.split(" · ", 1)[1], event.reason)
            for event in audit
        ),
    }


@pytest.mark.django_db
def test_the_one_statement_insert_writes_what_the_orm_writes(world, provider_user, monkeypatch):  # noqa: F811
    require(connection.vendor == "postgresql", "the one-statement insert runs on PostgreSQL only")
    one_statement = visits_bulk_ingest(items=a_batch(world, 1), acting_user=provider_user)
    monkeypatch.setattr(bulk, "connection", SimpleNamespace(vendor="sqlite"))
    with_the_orm = visits_bulk_ingest(items=a_batch(world, 11), acting_user=provider_user)

    assert [result.status for result in one_statement] == ["created"] * 3
    first, second = rows_written([r.id for r in one_statement]), rows_written([r.id for r in with_the_orm])
    for rows in (first, second):  # the days differ by ten; everything else is the same
        for row in rows["visits"] + rows["history"]:
            for name in ("started_at", "ended_at", "service_date"):
                row[name] = row[name] - dt.timedelta(days=10) if rows is second else row[name]
    assert first == second
    assert len(first["history"]) == 3 and len(first["links"]) == 3 and len(first["audit"]) == 3


@pytest.mark.django_db
def test_a_batch_of_one_where_every_column_is_the_same_across_the_batch(world, provider_user, monkeypatch):  # noqa: F811
    """Columns equal across a batch travel as one value each; with one visit, all of them but its UUID do."""
    require(connection.vendor == "postgresql", "the one-statement insert runs on PostgreSQL only")
    one_statement = visits_bulk_ingest(items=a_batch(world, 1)[1:2], acting_user=provider_user)
    monkeypatch.setattr(bulk, "connection", SimpleNamespace(vendor="sqlite"))
    with_the_orm = visits_bulk_ingest(items=a_batch(world, 11)[1:2], acting_user=provider_user)

    first, second = rows_written([r.id for r in one_statement]), rows_written([r.id for r in with_the_orm])
    for row in second["visits"] + second["history"]:
        for name in ("started_at", "ended_at", "service_date"):
            row[name] = row[name] - dt.timedelta(days=10)
    assert first == second
    assert first["visits"][0]["note"] == '老人说"很好"\n下次再来'


@pytest.mark.django_db
def test_a_uuid_stored_by_another_upload_meanwhile_is_retried_and_found_present(world, provider_user, monkeypatch):  # noqa: F811
    require(connection.vendor == "postgresql", "the one-statement insert runs on PostgreSQL only")
    items = a_batch(world, 1)
    racing = visits_bulk_ingest(items=[items[0]], acting_user=provider_user)[0]
    # The first look-up of stored UUIDs misses the racing upload's visit, as if it committed just after.
    real_existing, calls = bulk._existing, []

    def existing_late(uuids):
        calls.append(1)
        return {} if len(calls) == 1 else real_existing(uuids)

    monkeypatch.setattr(bulk, "_existing", existing_late)
    results = visits_bulk_ingest(items=items, acting_user=provider_user)

    assert [result.status for result in results] == ["already_present", "created", "created"]
    assert results[0].id == racing.id and len(calls) == 2
    assert Visit.objects.filter(client_uuid=uuid.UUID(items[0]["client_uuid"])).count() == 1
