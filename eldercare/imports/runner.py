"""Import a filled template of one kind: every row checked, then all written or nothing.

1. read the file within the spreadsheet limits and parse each cell by its declared column
   (`reading.py`); a row repeated in the file is refused on its second line;
2. skip the rows already imported (a recipient's ID number, a provider's employee number, a
   visit's client UUID), so the same file imported twice changes nothing;
3. write the others through the services in one transaction; if any row was refused (by parsing or
   by a service), or on a dry run, the transaction is rolled back and nothing is changed.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from . import caregivers, recipients, visits
from .columns import KINDS, Kind
from .reading import CellError, ParsedRow, parse_rows, read_file

IMPORTERS = {"recipients": recipients, "caregivers": caregivers, "visits": visits}


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    skipped: int = 0
    # The lines skipped as already imported: a preview names them, so a clerk sees that a person
    # already registered is left as is (a re-import never moves or enrols anyone).
    skipped_lines: list[int] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    dry_run: bool = False
    preview: list[ParsedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> int:
        return len({error.line for error in self.errors})


def _mark_repeats(kind: Kind, importer, rows: list[ParsedRow], errors: list[CellError]) -> None:
    first_line = {}
    key_column = kind.column(importer.KEY_COLUMN).header
    for row in rows:
        key = importer.row_key(row)
        if key is None:
            continue
        if key in first_line:
            errors.append(
                CellError(
                    row.line,
                    key_column,
                    _("This row repeats line %(line)d of the file.") % {"line": first_line[key]},
                )
            )
            row.bad = True
        else:
            first_line[key] = row.line


def import_file(kind_name: str, path: str | Path, *, acting_user=None, dry_run: bool = False) -> ImportReport:
    """Import a .xlsx (or .csv) file of `kind_name`; a file beyond the limits raises DomainError."""
    kind = KINDS[kind_name]
    return import_rows(kind, read_file(path, kind), acting_user=acting_user, dry_run=dry_run)


def import_rows(kind: Kind, rows, *, acting_user=None, dry_run: bool = False) -> ImportReport:
    importer = IMPORTERS[kind.name]
    parsed, errors = parse_rows(kind, rows)
    _mark_repeats(kind, importer, parsed, errors)
    report = ImportReport(kind=kind.name, rows=len(parsed), dry_run=dry_run, preview=parsed)
    done = importer.existing_keys([row for row in parsed if not row.bad])
    fresh = []
    for row in parsed:
        if importer.row_key(row) in done and not row.bad:
            report.skipped += 1
            report.skipped_lines.append(row.line)
        elif not row.bad:
            fresh.append(row)
    with transaction.atomic():
        created, skipped, refused = importer.write_rows(fresh, acting_user)
        errors.extend(refused)
        if errors or dry_run:
            transaction.set_rollback(True)
    report.errors = sorted(errors, key=lambda error: (error.line, error.column))
    report.created = 0 if errors else created
    report.skipped += 0 if errors else skipped
    return report
