"""The read replica: dashboards and exports read the programme's records from it; the rest stays on the primary."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db import connections, transaction
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext

from eldercare.accounts.models import Role, RoleAssignment
from eldercare.core.models import AuditEvent
from eldercare.exports.models import ExportJob
from eldercare.rollups.models import AreaProgress
from eldercare.visits.models import Visit
from project.db_routers import REPLICA, ReplicaRouter, replica_reads
from tests.factories import PilotAreaFactory, RecipientFactory

# The table a query reads from (a join to one, say a role's region, belongs to the table it joins from).
DOMAIN_TABLE = re.compile(r'FROM "((?:areas|providers|recipients|beds|visits|rollups|dashboards)_\w+)"')


def test_reads_go_to_the_replica_only_inside_replica_reads_and_only_for_the_programmes_records(transactional_db):
    router = ReplicaRouter()
    assert router.db_for_read(Visit) is None
    with replica_reads():
        assert router.db_for_read(Visit) == REPLICA
        assert router.db_for_read(AreaProgress) == REPLICA
        for primary_only in (User, Session, RoleAssignment, AuditEvent, ExportJob):
            assert router.db_for_read(primary_only) is None
        with transaction.atomic():  # a read inside a transaction sees its writes: the primary
            assert router.db_for_read(Visit) is None
    assert router.db_for_read(Visit) is None


def test_writes_stay_on_the_primary_and_the_replica_is_never_migrated():
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_write(Visit) == "default"
    assert router.allow_migrate(REPLICA, "visits") is False
    assert router.allow_migrate("default", "visits") is None


def test_the_replica_setting_is_off_unless_a_replica_url_is_given(settings):
    assert REPLICA not in settings.DATABASES
    assert "project.db_routers.ReplicaRouter" not in getattr(settings, "DATABASE_ROUTERS", [])
    assert "project.db_routers.ReplicaReadsMiddleware" not in settings.MIDDLEWARE


@pytest.fixture
def replica(transactional_db, settings):
    """A `replica` alias on the test database itself, with the router and middleware, as DATABASE_REPLICA_URL adds.

    Committed rows (transactional_db) are visible through both connections, as on a caught-up replica.
    """
    primary = connections["default"].settings_dict
    # Built by hand rather than listed in DATABASES, which the test case fixed when it started.
    setattr(connections._connections, REPLICA, load_backend(primary["ENGINE"]).DatabaseWrapper({**primary}, REPLICA))
    settings.DATABASE_ROUTERS = ["project.db_routers.ReplicaRouter"]
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index("axes.middleware.AxesMiddleware"), "project.db_routers.ReplicaReadsMiddleware")
    settings.MIDDLEWARE = middleware
    yield connections[REPLICA]
    connections[REPLICA].close()
    del connections[REPLICA]


def tables(queries) -> set[str]:
    return {table for query in queries for table in DOMAIN_TABLE.findall(query["sql"])}


def national_official() -> User:
    user = User.objects.create_user("national-reader", password="x" * 12, is_staff=True)
    RoleAssignment.objects.create(user=user, role=Role.NATIONAL_OFFICIAL)
    return user


def test_dashboard_pages_read_the_programmes_records_from_the_replica(replica, client):
    RecipientFactory(area=PilotAreaFactory())
    client.force_login(national_official())

    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(replica) as secondary:
        response = client.get("/dashboards/national/")

    assert response.status_code == 200
    assert tables(secondary.captured_queries)  # the figures came from the replica
    assert not tables(primary.captured_queries)  # none of them from the primary
    primary_sql = " ".join(query["sql"] for query in primary.captured_queries)
    assert "django_session" in primary_sql  # the session and the user: the primary
    assert "django_session" not in " ".join(query["sql"] for query in secondary.captured_queries)


def test_export_pages_and_export_jobs_read_from_the_replica_and_write_to_the_primary(replica, client):
    from eldercare.exports.services import export_request
    from eldercare.exports.tasks import run_export_task

    PilotAreaFactory()
    user = national_official()
    client.force_login(user)

    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(replica) as secondary:
        page = client.get("/exports/")
    assert page.status_code == 200
    assert tables(secondary.captured_queries) and not tables(primary.captured_queries)

    job = export_request(
        user=user, kind="visits", fmt="csv", scope_level="national", as_of=dt.date(2023, 10, 1), enqueue=False
    )
    with CaptureQueriesContext(connections["default"]) as primary, CaptureQueriesContext(replica) as secondary:
        run_export_task.apply(args=[job.pk])

    job.refresh_from_db()
    assert job.status == "done", job.error
    assert tables(secondary.captured_queries) and not tables(primary.captured_queries)
    assert any('"exports_exportjob"' in query["sql"] for query in primary.captured_queries)
    assert not any('"exports_exportjob"' in query["sql"] for query in secondary.captured_queries)


def test_other_pages_read_from_the_primary(replica, client):
    RecipientFactory()
    user = User.objects.create_superuser("root", "root@example.invalid", "a-long-password-1")
    client.force_login(user)

    with CaptureQueriesContext(replica) as secondary:
        response = client.get("/admin/recipients/recipient/")

    assert response.status_code == 200
    assert secondary.captured_queries == []


def test_health_reports_the_replica_when_there_is_one(replica, client, settings):
    settings.CELERY_BROKER_URL = ""
    body = client.get("/health/").json()
    assert body["checks"]["database_replica"]["status"] == "ok"
    assert "lag_seconds" in body["checks"]["database_replica"]
