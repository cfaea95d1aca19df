"""Writing and reading export files, and the data hash that makes them tamper-evident.

What each file holds
    XLSX: sheet "数据" holds only the table (continued on "数据2", … past Excel's row limit);
    the totals, when the report has them, on "合计"; the provenance on "导出说明" (tabular.py).
    CSV: a zip of `<name>.csv` (only the table) and `<name>.provenance.json` (tabular.py); a
    ledger computed in SQL streams its CSV lines and hashed lines by COPY (copying.py).
    PDF: a title block, the table with its totals, page x of y, and the provenance in sentences
    (pdf.py); it is checked by the SHA-256 of its bytes, which the export record keeps.

The data hash
    canonical.py: SHA-256 over the header and the rows in canonical form, the same for the XLSX
    and the CSV of one export; `verify_export` recomputes it from a file (reading.py).

Where the provenance goes: provenance.py (key/value rows, the JSON sidecar, sentences).
"""

from .canonical import HASH_METHOD, RowHasher, canonical, data_hash, file_sha256, local_naive, prepare
from .pdf import PDF_FONT_NAME, cjk_font, display, write_pdf
from .provenance import PROVENANCE_SHEET, SIDECAR_SUFFIX, chinese_date, provenance_rows, provenance_sentences
from .reading import UnreadableExport, read_csv, read_xlsx, read_zip, sidecar_for
from .tabular import (
    BOM,
    CSV_CHUNK_ROWS,
    DATA_SHEET,
    PROGRESS_EVERY_ROWS,
    TOTALS_SHEET,
    XLSX_MAX_DATA_ROWS,
    csv_bytes,
    csv_chunks,
    neutralise,
    unneutralise,
    write_csv_zip,
    write_xlsx,
)

__all__ = [
    "BOM",
    "CSV_CHUNK_ROWS",
    "DATA_SHEET",
    "HASH_METHOD",
    "PDF_FONT_NAME",
    "PROGRESS_EVERY_ROWS",
    "PROVENANCE_SHEET",
    "SIDECAR_SUFFIX",
    "TOTALS_SHEET",
    "XLSX_MAX_DATA_ROWS",
    "RowHasher",
    "UnreadableExport",
    "canonical",
    "chinese_date",
    "cjk_font",
    "csv_bytes",
    "csv_chunks",
    "data_hash",
    "display",
    "file_sha256",
    "local_naive",
    "neutralise",
    "prepare",
    "provenance_rows",
    "provenance_sentences",
    "read_csv",
    "read_xlsx",
    "read_zip",
    "sidecar_for",
    "unneutralise",
    "write_csv_zip",
    "write_pdf",
    "write_xlsx",
]
