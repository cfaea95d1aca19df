"""The canonical form of a cell, the data hash over it, and how a cell is shown in each file.

The data hash is SHA-256 over the header row and every data row, one line each: the JSON array
(UTF-8, no spaces) of the row's cells in canonical form: "" for empty, integers in decimal,
decimals in plain notation without trailing zeros, dates `YYYY-MM-DD`, times `YYYY-MM-DD HH:MM:SS`
(Beijing time, whole seconds), text as is. It depends on the values only, so the XLSX and the CSV
of one export have the same hash, and a file re-saved by a spreadsheet (which drops trailing
zeros or the byte-order mark) still verifies.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from ..reports import Column

HASH_METHOD = "SHA-256: 表头及每行数据按规范化JSON数组逐行计算；用 manage.py verify_export 或导出页面的“校验文件”核对"


def local_naive(value: dt.datetime) -> dt.datetime:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None, microsecond=0)


def canonical(value, kind: str) -> str:
    if value is None or value == "":
        return ""
    if kind == "int":
        return str(int(value))
    if kind == "dec":
        number = Decimal(str(value)).normalize()
        return format(number, "f") if number != 0 else "0"
    if kind == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        return value.isoformat()
    if kind == "datetime":
        return local_naive(value).strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def fixed(value, column: Column, *, grouped: bool = False) -> str:
    """A decimal with the column format's decimals (39.904200, 100000.00), unless that would drop digits."""
    number = Decimal(str(value))
    places = column.decimals
    if places is None:
        return canonical(value, column.kind)
    if number.normalize().as_tuple().exponent < -places:
        return canonical(value, column.kind)  # more precise than the format: never round in a file
    return f"{number:,.{places}f}" if grouped else f"{number:.{places}f}"


class RowHasher:
    def __init__(self, columns: list[Column]):
        self.kinds = [column.kind for column in columns]
        self.digest = hashlib.sha256()
        self.rows = 0
        self._line([column.label for column in columns])

    def _line(self, cells: list[str]) -> None:
        self.digest.update(json.dumps(cells, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")

    def add(self, row: Iterable) -> None:
        self._line([canonical(value, kind) for value, kind in zip(row, self.kinds, strict=True)])
        self.rows += 1

    def add_lines(self, lines: list[bytes]) -> None:
        """Rows whose lines the database already wrote in this form (writers.copying), without "\\n"."""
        if lines:
            self.digest.update(b"\n".join(lines) + b"\n")
            self.rows += len(lines)

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


def prepare(row: tuple, columns: list[Column]) -> list:
    """Make a row's values what the files hold: local whole-second times, None for empty."""
    out = []
    for value, _column in zip(row, columns, strict=True):
        if isinstance(value, dt.datetime):
            value = local_naive(value)
        out.append(None if value == "" else value)
    return out


def data_hash(header: list[str], rows: Iterable[list], kinds: list[str]) -> tuple[str, int]:
    columns = [Column(label, kind) for label, kind in zip(header, kinds, strict=True)]
    hasher = RowHasher(columns)
    for row in rows:
        hasher.add(row)
    return hasher.hexdigest(), hasher.rows


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
