"""Reads survive bad rows: a stored timestamp Python cannot hold never takes a read down.

PostgreSQL keeps timestamps up to the year 294276; Python only to 9999. A row stored before the
input policy (or by hand) with, say, an end time of 10000-01-01 made every query that selected it
fail in the driver, and one of 9999-12-31 23:00 UTC failed later, on conversion to Beijing time:
a visit list, the verification of a whole batch, an export stream and `verify_rollups` all broke.

On every PostgreSQL connection the timestamptz loader is wrapped (on SQLite, the backend's
timestamp converter): a value beyond what Python holds (or too close to its limits to convert to
every UTC offset) reads as the nearest safe bound, `input_policy.READ_FLOOR` or `READ_CEILING`.
The value stored is unchanged, the bound is obviously absurd on screen, and `manage.py
find_bad_rows` names the row so someone corrects it.
"""

from django.db.backends.signals import connection_created

from .input_policy import READ_CEILING, READ_FLOOR

# A timestamp's text starts with a four-digit year and a dash (ISO DateStyle, as Django sets it); only
# years 0001 and 9999, longer years, "BC" and the infinities can lie beyond the read bounds.
EDGE_YEARS = (b"0001", b"9999")


def _lenient(loader_class: type) -> type:
    if getattr(loader_class, "eldercare_lenient", False):
        return loader_class
    from psycopg import DataError

    base_load = loader_class.load

    def load(self, data):
        if data[4:5] == b"-" and data[:4] not in EDGE_YEARS:
            return base_load(self, data)  # every ordinary value: two slices, then Django's loader
        try:
            return _bounded(base_load(self, data))
        except DataError:
            # psycopg names the too-large and too-small cases; "BC" dates come before year 1.
            return READ_FLOOR if bytes(data).endswith(b"BC") or bytes(data) == b"-infinity" else READ_CEILING

    return type(f"Lenient{loader_class.__name__}", (loader_class,), {"load": load, "eldercare_lenient": True})


def _bounded(value):
    if value is not None and value.tzinfo is not None and not READ_FLOOR <= value <= READ_CEILING:
        return READ_FLOOR if value < READ_FLOOR else READ_CEILING
    return value


def _lenient_sqlite_converter(convert):
    if getattr(convert, "eldercare_lenient", False):
        return convert

    def lenient(value, expression, connection):
        try:
            return _bounded(convert(value, expression, connection))
        except (ValueError, OverflowError, AttributeError):  # text no datetime can hold (year 10000)
            return READ_FLOOR if str(value).startswith("-") else READ_CEILING

    lenient.eldercare_lenient = True
    return lenient


def install_lenient_timestamp_loader(sender, connection, **kwargs) -> None:
    """Wrap the connection's timestamptz loader (Django's, which sets the connection's time zone)."""
    if connection.vendor == "sqlite":
        ops = connection.ops
        ops.convert_datetimefield_value = _lenient_sqlite_converter(ops.convert_datetimefield_value)
        return
    if connection.vendor != "postgresql":
        return
    try:
        from psycopg.pq import Format  # psycopg 3, as requirements.txt pins
    except ImportError:
        return
    raw = connection.connection
    current = raw.adapters.get_loader(raw.adapters.types["timestamptz"].oid, Format.TEXT)
    if current is not None:
        raw.adapters.register_loader("timestamptz", _lenient(current))


def connect() -> None:
    connection_created.connect(install_lenient_timestamp_loader, dispatch_uid="eldercare_lenient_timestamps")
