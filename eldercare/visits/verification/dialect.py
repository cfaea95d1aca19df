"""The spelling of the verification statements: which visits they read (`Scope`) and what PostgreSQL
and SQLite write differently (`Dialect`)."""

import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection

INTERVAL_UNITS = {"minute": "mins", "hour": "hours", "day": "days"}


@dataclass(frozen=True)
class Scope:
    """The visits a statement reads: a list of ids, or every id in [first, last)."""

    ids: tuple[int, ...] | None = None
    first: int | None = None
    last: int | None = None
    # A table of the visits that overlap some other visit of their caregiver (`OVERLAPPING_SQL`): when
    # a whole table is verified range by range, partners are looked up for those only.
    overlapping: str | None = None

    @classmethod
    def of(cls, ids) -> "Scope":
        return cls(ids=tuple(ids))

    def where(self, column: str, dialect: "Dialect") -> str:
        if self.ids is None:
            return f"({column} >= %(scope_first)s AND {column} < %(scope_last)s)"
        return dialect.in_ids(column, "scope_ids")

    def params(self, dialect: "Dialect") -> dict:
        if self.ids is None:
            return {"scope_first": self.first, "scope_last": self.last}
        return {"scope_ids": dialect.id_list(self.ids)}


class Dialect:
    """What PostgreSQL and SQLite spell differently. Percent signs are doubled: statements take parameters."""

    def __init__(self, vendor: str) -> None:
        self.postgresql = vendor == "postgresql"

    def in_ids(self, column: str, name: str) -> str:
        if self.postgresql:
            return f"{column} = ANY(%({name})s::bigint[])"
        return f"{column} IN (SELECT value FROM json_each(%({name})s))"

    def id_list(self, ids):
        return list(ids) if self.postgresql else json.dumps(list(ids))

    def span(self, later: str, earlier: str) -> str:
        """The time from `earlier` to `later`: an interval on PostgreSQL (compared exactly, in
        microseconds), whole microseconds on SQLite."""
        if self.postgresql:
            return f"({later} - {earlier})"
        return f"django_timestamp_diff({later}, {earlier})"

    def span_of(self, count: str, unit: str) -> str:
        """`count` minutes, hours or days as a span comparable with `span`."""
        if self.postgresql:
            return f"make_interval({INTERVAL_UNITS[unit]} => {count})"
        return f"({count} * CAST(%({unit})s AS BIGINT))"

    def span_microseconds(self, span: str) -> str:
        if self.postgresql:
            return f"(EXTRACT(EPOCH FROM {span}) * 1000000)"
        return span

    def years_after(self, day: str, years: str) -> str:
        """`day` plus `years` years (29 February to 28 February or 1 March: the statement only narrows)."""
        if self.postgresql:
            return f"({day} + make_interval(years => {years}))"
        return f"date({day}, '+' || {years} || ' years')"

    def float(self, value: str) -> str:
        return f"CAST({value} AS {'double precision' if self.postgresql else 'REAL'})"

    def least(self, a: str, b: str) -> str:
        return f"{'LEAST' if self.postgresql else 'MIN'}({a}, {b})"

    def starts_within_window(self, a: str, b: str) -> str:
        if self.postgresql:
            return f"{b}.started_at > {a}.started_at - %(window)s AND {b}.started_at < {a}.started_at + %(window)s"
        return f"abs(django_timestamp_diff({b}.started_at, {a}.started_at)) < %(window_us)s"

    def moment(self, value: dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)


def placeholders(prefix: str, values) -> tuple[str, dict]:
    names = {f"{prefix}_{index}": value for index, value in enumerate(sorted(values))}
    return ", ".join(f"%({name})s" for name in names), names
