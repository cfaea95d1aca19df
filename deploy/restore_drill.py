"""Restore drill: prove that a backup of the database restores into a working eldercare database.

    DATABASE_URL=postgres://… .venv/bin/python deploy/restore_drill.py      (or: make restore-drill)

1. `pg_dump` the database at DATABASE_URL (custom format, as the nightly backup does) from a snapshot
   that this script holds open, and count every table's rows in that same snapshot;
2. `pg_restore` the dump into a scratch database, created afresh: SCRATCH_DATABASE_URL, by default
   DATABASE_URL's server with the database `<name>_restore_drill`;
3. compare every table's row count in the restored copy with the snapshot's;
4. against the restored copy: `manage.py migrate --check` (its schema is what this code expects) and
   `manage.py verify_rollups --deep --sample N` (every roll-up equals a recount from the restored
   visits, and a sample of the verification re-derived from the raw records);
5. drop the scratch database and delete the dump, whatever happened.

It only reads DATABASE_URL (a snapshot does not block writers), so it may run against production;
the scratch database then belongs on another server (SCRATCH_DATABASE_URL). Needs `pg_dump` and
`pg_restore` of the server's major version or newer, and the code version that wrote the backup
(a backup of an older version fails `migrate --check`: restore it, then `migrate`).

Environment: DRILL_SAMPLE (default 1000; 0 runs plain `verify_rollups`), DRILL_KEEP_DUMP=path (keep
the dump there), PYTHON (default: this interpreter). Exit status 0 only when every step passed.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent


def say(message: str) -> None:
    print(f"restore-drill: {message}", flush=True)


def fail(message: str) -> None:
    print(f"restore-drill: FAILED: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def shown(url: str) -> str:
    """The URL without user or password, for the log."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}/{database_name(url)}"


def row_counts(cursor) -> dict[str, int]:
    """Exact row counts of every table of the public schema, in the cursor's transaction."""
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


def run(command: list[str], *, env: dict | None = None) -> None:
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, **(env or {})})
    if done.returncode:
        fail(f"{command[0] if command[0] != sys.executable else ' '.join(command[1:3])} exited {done.returncode}")


def dump_in_snapshot(source: str, dump: Path) -> dict[str, int]:
    """pg_dump from a snapshot held open here, and the row counts of that same snapshot."""
    with psycopg.connect(source, autocommit=False) as conn, conn.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        started = time.monotonic()
        run(
            [
                "pg_dump",
                "--format=custom",
                "--compress=6",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={dump}",
                f"--dbname={source}",
            ]
        )
        say(f"pg_dump wrote {dump.stat().st_size / 2**20:.1f} MiB in {time.monotonic() - started:.1f} s")
        counts = row_counts(cursor)
        conn.rollback()
    if not counts:
        fail(f"no tables in {shown(source)}: nothing to back up (run migrate first)")
    return counts


def recreate(admin: str, name: str, *, drop_only: bool = False) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main() -> None:
    source = os.environ.get("DATABASE_URL", "")
    if not source.startswith(("postgres://", "postgresql://")):
        print("restore-drill: set DATABASE_URL to the PostgreSQL database to back up", file=sys.stderr)
        sys.exit(2)
    scratch = os.environ.get("SCRATCH_DATABASE_URL") or with_database(source, f"{database_name(source)}_restore_drill")
    if shown(scratch) == shown(source):
        print("restore-drill: the scratch database must not be the database backed up", file=sys.stderr)
        sys.exit(2)
    scratch_name = database_name(scratch)
    scratch_admin = with_database(scratch, "postgres")
    python = os.environ.get("PYTHON") or sys.executable
    sample = int(os.environ.get("DRILL_SAMPLE", "1000"))

    with tempfile.TemporaryDirectory(prefix="eldercare-restore-drill-") as work:
        dump = Path(os.environ.get("DRILL_KEEP_DUMP") or Path(work) / "eldercare.dump")
        try:
            say(f"backing up {shown(source)}")
            expected = dump_in_snapshot(source, dump)

            say(f"restoring into {shown(scratch)}")
            recreate(scratch_admin, scratch_name)
            started = time.monotonic()
            run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--jobs=2",
                    f"--dbname={scratch}",
                    str(dump),
                ]
            )
            say(f"pg_restore done in {time.monotonic() - started:.1f} s")

            with psycopg.connect(scratch) as conn, conn.cursor() as cursor:
                restored = row_counts(cursor)
            if restored != expected:
                differing = sorted(set(expected) ^ set(restored)) + sorted(
                    table for table in set(expected) & set(restored) if expected[table] != restored[table]
                )
                for table in differing:
                    print(
                        f"  {table}: backed up {expected.get(table)}, restored {restored.get(table)}", file=sys.stderr
                    )
                fail("row counts differ between the snapshot and its restored copy")
            say(f"{len(restored)} tables, {sum(restored.values())} rows: the same as in the snapshot")

            on_copy = {"DATABASE_URL": scratch, "DATABASE_REPLICA_URL": ""}
            say("migrate --check on the restored copy")
            if subprocess.run(
                [python, "manage.py", "migrate", "--check", "--noinput"], cwd=ROOT, env={**os.environ, **on_copy}
            ).returncode:
                plan = subprocess.run(
                    [python, "manage.py", "showmigrations", "--plan"],
                    cwd=ROOT,
                    env={**os.environ, **on_copy},
                    capture_output=True,
                    text=True,
                ).stdout
                for line in plan.splitlines():
                    if line.startswith("[ ]"):
                        print(f"  {line}", file=sys.stderr)
                fail("the restored schema lacks the migrations above, which this code has")
            if sample > 0:
                say(f"verify_rollups --deep --sample {sample} on the restored copy")
                run([python, "manage.py", "verify_rollups", "--deep", "--sample", str(sample)], env=on_copy)
            else:
                say("verify_rollups on the restored copy")
                run([python, "manage.py", "verify_rollups"], env=on_copy)
        finally:
            try:
                recreate(scratch_admin, scratch_name, drop_only=True)
            except psycopg.Error as error:
                print(f"restore-drill: could not drop {shown(scratch)} ({error}): drop it by hand", file=sys.stderr)
    say("OK: the backup restores completely, its schema is current and its roll-ups equal a recount")


if __name__ == "__main__":
    main()
