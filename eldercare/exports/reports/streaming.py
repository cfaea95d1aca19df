"""Typed rows of a ledger's SQL statement, streamed from a server-side cursor (PostgreSQL)."""

from collections.abc import Iterator

from django.db import connection

from .base import CHUNK_SIZE


def typed_rows(sql: str, params: dict, width: int) -> Iterator[tuple]:
    """The first `width` columns of each row (the ledger's cells; the rest are sort keys), in chunks."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_SIZE):
            for row in rows:
                yield tuple(row[:width])
