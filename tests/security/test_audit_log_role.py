"""The database role production connects as (docs/operations.md, "The database role") cannot empty the
audit log, change it, or switch its triggers off, while the application's own reads and writes work.

The SQL is read from the operations guide itself and run against the test database, with a role of this
test's own in place of `eldercare_app` and the test database's owner in place of `eldercare_owner`; the
test then connects as that role. PostgreSQL only: in CI it must run (tests/services.py).
"""

import re
import secrets
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from eldercare.core.audit import audit_record
from eldercare.core.models import AuditEvent
from tests.services import require

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
APP_ROLE, OWNER_ROLE, APP_PASSWORD = "eldercare_app", "eldercare_owner", "app-password"
# Once per server (the roles and the database): the test has its database and its owner already.
SERVER_ONCE = re.compile(r"^(CREATE DATABASE|CREATE ROLE eldercare_owner)\b")


def documented_statements() -> list[str]:
    """The statements of the guide's database-role SQL, in order (comments and psql commands left out)."""
    section = GUIDE.read_text(encoding="utf-8").split("## The database role", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sql\n(.*?)```", section, re.S).group(1)
    lines = [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith(("--", "\\"))]
    return [statement.strip() for statement in " ".join(lines).split(";") if statement.strip()]


def test_the_guide_creates_an_application_role_that_owns_nothing_and_is_no_superuser():
    statements = documented_statements()
    create_app = next(s for s in statements if s.startswith(f"CREATE ROLE {APP_ROLE}"))
    for attribute in ("NOSUPERUSER", "NOCREATEDB", "NOCREATEROLE", "NOREPLICATION", "NOBYPASSRLS"):
        assert attribute in create_app
    assert not any(re.search(rf"OWNER TO {APP_ROLE}\b|TO {APP_ROLE} WITH GRANT|TRUNCATE", s) for s in statements)
    assert any(s.startswith("ALTER DEFAULT PRIVILEGES FOR ROLE eldercare_owner") for s in statements)


@pytest.fixture
def application_role(transactional_db):
    """A role made by the guide's SQL (under a name of this test's own), and a connection as it."""
    require(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://…")
    role = f"eldercare_app_test_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        for statement in documented_statements():
            if SERVER_ONCE.match(statement):
                continue
            statement = statement.replace(APP_ROLE, role).replace(f"'{APP_PASSWORD}'", f"'{password}'")
            cursor.execute(statement.replace(OWNER_ROLE, owner))
    settings = connection.settings_dict
    session = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=role,
        password=password,
        autocommit=True,
    )
    try:
        yield session
    finally:
        session.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


def refused(session, statement: str, params=None) -> str:
    """Run `statement` as the role; it must fail. The error's message."""
    with pytest.raises(psycopg.Error) as caught:
        session.execute(statement, params)
    return str(caught.value)


def test_the_application_role_cannot_change_empty_or_unguard_the_audit_log(application_role):
    event = audit_record(action=AuditEvent.Action.LOGIN, username="someone")
    session = application_role

    # What the application does: read the audit log and append to it; read and write other tables.
    assert session.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").fetchone() == (
        False,
        False,
    )
    assert session.execute("SELECT count(*) FROM core_auditevent").fetchone()[0] == 1
    session.execute(
        "INSERT INTO core_auditevent (occurred_at, username, action, object_type, object_id, object_repr, reason, "
        "details) VALUES (now(), 'app', 'login', '', '', '', '', '{}')"
    )
    session.execute("INSERT INTO core_recountrequest (area_id, reason, enqueued_at) VALUES (1, 'role test', now())")
    session.execute("DELETE FROM core_recountrequest WHERE reason = 'role test'")

    # What it must not: change or empty the audit log, or switch its triggers off.
    assert "append-only" in refused(session, "UPDATE core_auditevent SET reason = 'tampered' WHERE id = %s", [event.pk])
    assert "append-only" in refused(session, "DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert "permission denied" in refused(session, "TRUNCATE core_auditevent")
    for statement in (
        "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only",
        "ALTER TABLE core_auditevent DISABLE TRIGGER ALL",
        "DROP TRIGGER core_auditevent_no_truncate ON core_auditevent",
        "DROP FUNCTION core_auditevent_refuse_change() CASCADE",
        "ALTER TABLE core_auditevent OWNER TO CURRENT_USER",
    ):
        assert "must be owner" in refused(session, statement), statement
    assert "permission denied" in refused(session, "SET session_replication_role = replica")
    assert "permission denied" in refused(session, "CREATE TABLE core_auditevent_copy (id int)")

    assert AuditEvent.objects.count() == 2
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_the_triggers_refuse_even_a_role_granted_everything_but_ownership(application_role):
    """A grant too many (ALL on the audit log) still leaves it append-only: the triggers hold."""
    event = audit_record(action=AuditEvent.Action.LOGIN, username="someone")
    session = application_role
    role = session.info.user
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT ALL PRIVILEGES ON core_auditevent TO "{role}"')
    for statement in (
        "UPDATE core_auditevent SET reason = 'tampered'",
        "DELETE FROM core_auditevent",
        "TRUNCATE core_auditevent",
    ):
        assert "append-only" in refused(session, statement), statement
    # A session cannot claim the flush's exception: it is for superusers only.
    session.execute("SET eldercare.allow_audit_truncate = on")
    assert "append-only" in refused(session, "TRUNCATE core_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk).exists()
