"""Typed rows of a ledger's SQL statement, streamed from a server-side cursor (PostgreSQL).

The statement reads the programme's records, so it runs on the connection the routers choose for
them: the read replica inside `replica_reads()` (export jobs, export pages), else the primary.
"""

from collections.abc import Iterator

from django.db import DEFAULT_DB_ALIAS, connections, router

from .base import CHUNK_SIZE


def records_connection():
    """The connection the ORM would read visits from here (the statements read visits and more)."""
    from eldercare.visits.models import Visit

    return connections[router.db_for_read(Visit) or DEFAULT_DB_ALIAS]


def typed_rows(sql: str, params: dict, width: int) -> Iterator[tuple]:
    """The first `width` columns of each row (the ledger's cells), in chunks."""
    with records_connection().chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_SIZE):
            for row in rows:
                yield tuple(row[:width])
