"""A ledger's CSV straight from PostgreSQL: `COPY (SELECT csv_line, hash_line …) TO STDOUT`.

The database renders every row twice (reports.sql): the CSV line and the data hash's line. This
module only joins them: the CSV lines with "\\r\\n" into the file, the hashed lines with "\\n" into
the SHA-256 after the header's, as `RowHasher` would. Binary COPY hands both over as bytes (a text
column's binary form is its UTF-8 bytes), so Python neither decodes nor encodes a row, and reads
one row at a time: memory stays flat whatever the number of rows.

The connection is busy while COPY streams, so the job's progress goes out through another: a
thread of its own (Django gives it its own connection, in autocommit), one update after another,
while the rows keep coming.
"""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, transaction

from ..reports import Report
from ..reports.sql import lines_sql
from ..reports.streaming import records_connection
from . import tabular
from .canonical import RowHasher

# Rows joined into one chunk of the file (a few hundred kilobytes).
COPY_CHUNK_ROWS = 2000


def copy_csv_bytes(
    report: Report, hasher: RowHasher, *, on_progress: Callable[[int], None] | None = None
) -> Iterator[bytes]:
    """The CSV's data rows as byte chunks (the header is the caller's); `hasher` takes every row."""
    typed_sql, params = report.copy()
    statement = f"COPY ({lines_sql(report.columns, typed_sql)}) TO STDOUT (FORMAT binary)"
    every = tabular.PROGRESS_EVERY_ROWS
    progress = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-progress") if on_progress else None
    rows = 0
    reading = records_connection()  # the replica inside replica_reads(), as the ORM's reads
    try:
        with transaction.atomic(using=reading.alias), reading.cursor() as cursor:
            # For this statement's transaction only: the plan is a few large sorts and hashes, which
            # JIT would compile for longer than they run.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SELECT set_config('work_mem', %s, true)", [report.copy_work_mem])
            # One process: its rows must come out in the statement's order, and the machine's other
            # cores serve the application meanwhile.
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            with cursor.cursor.copy(statement, params) as copy:
                copy.set_types(["bytea", "bytea"])
                csv_lines: list[bytes] = []
                hash_lines: list[bytes] = []
                for csv_line, hash_line in copy.rows():
                    csv_lines.append(csv_line)
                    hash_lines.append(hash_line)
                    rows += 1
                    if progress is not None and rows % every == 0:
                        progress.submit(on_progress, rows)
                    if len(csv_lines) == COPY_CHUNK_ROWS:
                        hasher.add_lines(hash_lines)
                        yield b"\r\n".join(csv_lines) + b"\r\n"
                        csv_lines, hash_lines = [], []
                hasher.add_lines(hash_lines)
                if csv_lines:
                    yield b"\r\n".join(csv_lines) + b"\r\n"
    finally:
        if progress is not None:
            progress.submit(_close_thread_connection)
            progress.shutdown(wait=True)


def _close_thread_connection() -> None:
    connection.close()


def can_copy(report: Report) -> bool:
    return report.copy is not None and records_connection().vendor == "postgresql"
