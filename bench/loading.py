"""Bulk paths for the benchmark world: PostgreSQL COPY, and a plain executemany elsewhere.

On PostgreSQL the loaded tables lose their secondary indexes, unique and foreign-key
constraints while rows stream in, and get them back afterwards from their own definitions
(`pg_get_indexdef`, `pg_get_constraintdef`): building an index once is much cheaper than
maintaining fourteen of them row by row, and re-adding a foreign key validates every row with
one set-based join. Check constraints stay on the whole time.
"""

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from django.db import connection


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


class RowWriter:
    """Writes rows (tuples of str/int/bool/None) into one table per call.

    Datetimes arrive as ISO strings with their offset ("2023-08-01 08:12:00+08:00"); PostgreSQL
    takes them as they are, SQLite stores Django's naive UTC form, so they are converted there.
    """

    def __init__(self) -> None:
        self.rows_written: dict[str, int] = {}

    def write(self, table: str, columns: Sequence[str], rows: Iterable[tuple], *, datetimes: Sequence[str] = ()) -> int:
        count = 0
        with connection.cursor() as cursor:
            if is_postgresql():
                names = ", ".join(columns)
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                positions = [columns.index(name) for name in datetimes]
                converted = [_sqlite_row(row, positions) for row in rows]
                placeholders = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", converted)
                count = len(converted)
        self.rows_written[table] = self.rows_written.get(table, 0) + count
        return count


def _sqlite_row(row: tuple, positions: list[int]) -> tuple:
    if not positions:
        return row
    values = list(row)
    for index in positions:
        if values[index] is not None:
            moment = dt.datetime.fromisoformat(values[index]).astimezone(dt.UTC)
            values[index] = moment.replace(tzinfo=None).isoformat(" ")
    return tuple(values)


def next_ids(tables: Iterable[str]) -> dict[str, int]:
    """The first free primary key of each table (the generator assigns ids itself)."""
    ids = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            ids[table] = cursor.fetchone()[0]
    return ids


def reset_sequences(tables: Iterable[str]) -> None:
    """After explicit ids, make the next ORM insert continue after the largest one."""
    if not is_postgresql():
        return  # SQLite's AUTOINCREMENT already remembers the largest rowid inserted
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))",
                [table],
            )


def _secondary_structures(tables: Sequence[str]) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """(table, name, definition) of foreign keys, unique constraints and plain indexes of the tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype
            FROM pg_constraint c
            WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('f', 'u')
            ORDER BY c.conrelid::regclass::text, c.conname
            """,
            [list(tables)],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.tablename, i.indexname, i.indexdef
            FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            ORDER BY i.tablename, i.indexname
            """,
            [list(tables)],
        )
        indexes = cursor.fetchall()
    foreign = [(table, name, definition) for table, name, definition, kind in constraints if kind == "f"]
    unique = [(table, name, definition) for table, name, definition, kind in constraints if kind == "u"]
    return foreign, unique, indexes


@contextlib.contextmanager
def bulk_load_mode(tables: Sequence[str], *, log=print) -> Iterator[None]:
    """Drop secondary indexes and unique/foreign-key constraints of `tables`, restore them on exit.

    Restoring validates every row: a duplicate client UUID or a dangling foreign key fails here.
    """
    if not is_postgresql():
        yield
        return
    foreign, unique, indexes = _secondary_structures(tables)
    with connection.cursor() as cursor:
        # Rows written earlier in this transaction (the reference data's townships, say) leave deferred
        # foreign-key checks pending, and PostgreSQL refuses to alter a table with pending trigger
        # events (dropping a foreign key alters the referenced table too): run those checks now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _definition in foreign + unique:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for _table, name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            # 1. Indexes and unique constraints first: the foreign-key checks below can use them.
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _table, _name, definition in indexes:
                cursor.execute(definition)
            for table, name, definition in unique:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            # 2. Then the foreign keys, each validated by one join over the whole table.
            for table, name, definition in foreign:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cursor.execute("RESET maintenance_work_mem")
        log(f"  restored {len(indexes)} indexes, {len(unique)} unique and {len(foreign)} foreign-key constraints")


def write_history(models, *, reason: str) -> dict[str, int]:
    """One "+" history row (django-simple-history) for every row of `models`, dated when the row was created.

    Rows entered through the app get one when they are saved; the as-of exports read them. Set-based:
    one INSERT … SELECT a table.
    """
    written = {}
    with connection.cursor() as cursor:
        for model in models:
            historical = model.history.model
            base_columns = {field.column for field in model._meta.concrete_fields}
            columns = [
                field.column
                for field in historical._meta.concrete_fields
                if field.column in base_columns and field.column != "history_id"
            ]
            names = ", ".join(columns)
            cursor.execute(
                f"INSERT INTO {historical._meta.db_table} "
                f"({names}, history_date, history_change_reason, history_type, history_user_id) "
                f"SELECT {names}, created_at, %s, '+', NULL FROM {model._meta.db_table}",
                [reason],
            )
            written[historical._meta.db_table] = cursor.rowcount
    return written
