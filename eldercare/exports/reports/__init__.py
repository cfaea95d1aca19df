"""The reports auditors export, each a header and a stream of typed rows over a scope and an as-of day.

Every ledger reads the domain as it stood at the end of its as-of day (exports.selectors) and
streams rows from one query (`values_list(...).iterator(chunk_size=...)`), so memory does not
grow with the number of rows. The progress report reads `rollups.AreaDailySnapshot`: for each
area the latest snapshot on or before the as-of day.

On PostgreSQL the two national-sized ledgers, recipients and visits, are each one SQL statement
(`recipients_sql`, `visits_sql`: latest history rows by DISTINCT ON, counted days in SQL) whose
typed rows feed the XLSX and whose CSV lines and hashed lines the database renders itself
(`sql.lines_sql`) and streams by COPY (writers.copying); elsewhere the same rows come from the
ORM. tests/exports/test_copy_ledgers.py holds both ways to the same file and data hash.

Each ledger declares its columns once (label, type, width, source, format: reports.base), and
`LEDGERS` names them all, so a file's header row says which ledger it is.

Column headers and coded values use the fixed export vocabulary (exports.vocabulary). Names of
areas, providers, caregivers, categories and recipients are read from the current records (a
later rename shows in a re-run); every fact that is counted or paid for is read as of the day.
Resident ID numbers are masked by eldercare.core.masking before they are written.

The reports live in this package's modules (a ledger or two each); this module names the builders
and re-exports what callers import.
"""

from ..models import ExportKind
from .applications import APPLICATION_COLUMNS, APPLICATIONS, applications_ledger
from .base import CHUNK_SIZE, DEMO_MARK, Column, Ledger, Report, Scope
from .beds import BED_COLUMNS, BEDS, bed_ledger
from .fees import FEE_HISTORY, FEE_SHEETS, VISIT_HISTORY, fee_history_ledger, fee_sheet_ledger, visit_history_ledger
from .progress import (
    DISBURSEMENT_COLUMNS,
    DISBURSEMENTS,
    PROGRESS,
    PROGRESS_COLUMNS,
    PROGRESS_PDF_COLUMNS,
    disbursement_ledger,
    expected_by,
    progress_report,
)
from .recipients import RECIPIENT_COLUMNS, RECIPIENTS, recipient_ledger, recipient_rows_queryset
from .visits import (
    EXCEPTION_COLUMNS,
    EXCEPTIONS,
    VISIT_COLUMNS,
    VISITS,
    exception_ledger,
    visit_ledger,
    visit_rows_queryset,
)

BUILDERS = {
    ExportKind.PROGRESS: progress_report,
    ExportKind.RECIPIENTS: recipient_ledger,
    ExportKind.VISITS: visit_ledger,
    ExportKind.BEDS: bed_ledger,
    ExportKind.EXCEPTIONS: exception_ledger,
    ExportKind.DISBURSEMENTS: disbursement_ledger,
    ExportKind.APPLICATIONS: applications_ledger,
    ExportKind.FEE_SHEETS: fee_sheet_ledger,
    ExportKind.VISIT_HISTORY: visit_history_ledger,
    ExportKind.FEE_HISTORY: fee_history_ledger,
}


LEDGERS: dict[str, Ledger] = {
    ledger.kind: ledger
    for ledger in (PROGRESS, RECIPIENTS, VISITS, BEDS, EXCEPTIONS, DISBURSEMENTS, APPLICATIONS)
    + (FEE_SHEETS, VISIT_HISTORY, FEE_HISTORY)
}


def build_report(kind: str, scope: Scope) -> Report:
    return BUILDERS[kind](scope)


def ledger_with_header(header: list[str]) -> Ledger | None:
    """The ledger whose columns are exactly these labels (a CSV read without its provenance)."""
    for ledger in LEDGERS.values():
        if [column.label for column in ledger.columns] == list(header):
            return ledger
    return None


__all__ = [
    "APPLICATIONS",
    "APPLICATION_COLUMNS",
    "BEDS",
    "BED_COLUMNS",
    "BUILDERS",
    "CHUNK_SIZE",
    "DEMO_MARK",
    "DISBURSEMENTS",
    "DISBURSEMENT_COLUMNS",
    "EXCEPTIONS",
    "EXCEPTION_COLUMNS",
    "LEDGERS",
    "PROGRESS",
    "PROGRESS_COLUMNS",
    "PROGRESS_PDF_COLUMNS",
    "RECIPIENTS",
    "RECIPIENT_COLUMNS",
    "VISITS",
    "VISIT_COLUMNS",
    "Column",
    "Ledger",
    "Report",
    "Scope",
    "applications_ledger",
    "bed_ledger",
    "build_report",
    "disbursement_ledger",
    "exception_ledger",
    "expected_by",
    "ledger_with_header",
    "progress_report",
    "recipient_ledger",
    "recipient_rows_queryset",
    "visit_ledger",
    "visit_rows_queryset",
]
