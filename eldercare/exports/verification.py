"""Is this file an export as written, and which recorded export is it? (`verify_export`, the verify page)

1. A PDF is compared byte for byte: the SHA-256 of the file against those the export records keep.
2. A workbook, a CSV export's zip, or a CSV on its own: the data hash is recomputed from the cells
   (exports.writers.canonical) and compared with the hash the file's provenance states (the XLSX's
   "导出说明" sheet, the zip's sidecar, or a sidecar next to an extracted CSV), then looked up in
   the export records. A CSV without its sidecar is recognised by its header row; its data hash
   alone then finds the export.
A file is verified when its data are unchanged and an export here recorded them.
"""

import json
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from . import writers
from .models import ExportJob


@dataclass
class Verification:
    unchanged: bool = False
    recorded: bool = False
    job: ExportJob | None = None
    data_sha256: str = ""
    claimed_sha256: str = ""
    rows: int = 0
    claimed_rows: int | None = None
    file_type: str = ""
    provenance: dict | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.unchanged and self.recorded


def _kind_of(path: str) -> str:
    with open(path, "rb") as handle:
        magic = handle.read(5)
    if magic.startswith(b"%PDF"):
        return "pdf"
    if magic.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return "unknown"
        return "zip" if any(name.lower().endswith(".csv") for name in names) else "xlsx"
    return "csv"


def _verify_pdf(path: str, result: Verification) -> Verification:
    job = ExportJob.objects.filter(file_sha256=writers.file_sha256(path)).order_by("pk").first()
    result.unchanged = result.recorded = job is not None
    result.job = job
    result.messages.append(
        _("The PDF is byte for byte export #%(pk)s.") % {"pk": job.pk}
        if job
        else _("No recorded export has this PDF's SHA-256: it was changed or never exported here.")
    )
    return result


def verify_export_file(path: str, *, provenance_path: str | None = None) -> Verification:
    """Whether a file is an export as written (data hash recomputed from its cells) and matches a recorded export."""
    result = Verification(file_type=_kind_of(path))
    if result.file_type == "pdf":
        return _verify_pdf(path, result)
    try:
        if result.file_type == "xlsx":
            header, rows, provenance = writers.read_xlsx(path)
        elif result.file_type == "zip":
            header, rows, provenance = writers.read_zip(path)
        else:
            given = None
            if provenance_path:
                with open(provenance_path, encoding="utf-8") as handle:
                    given = json.load(handle)
            header, rows, provenance = writers.read_csv(path, given)
        kinds = _kinds(header, provenance)
        result.data_sha256, result.rows = writers.data_hash(header, rows, kinds)
    except (writers.UnreadableExport, ValueError, KeyError, TypeError, OSError, zipfile.BadZipFile) as error:
        result.messages.append(_("The file cannot be read as an export: %(error)s") % {"error": error})
        return result
    result.provenance = provenance
    job = None
    if provenance is not None:
        result.claimed_sha256 = provenance.get("sha256", "")
        result.claimed_rows = provenance.get("rows")
        result.unchanged = result.data_sha256 == result.claimed_sha256 and result.rows == result.claimed_rows
        if result.unchanged:
            result.messages.append(_("The data are unchanged: their SHA-256 is the one the file records."))
        else:
            result.messages.append(
                _("The data were changed after export: SHA-256 %(actual)s, the file records %(claimed)s.")
                % {"actual": result.data_sha256, "claimed": result.claimed_sha256}
            )
        job = ExportJob.objects.filter(pk=provenance.get("export_id"), sha256=result.data_sha256).first()
    if job is None:
        job = ExportJob.objects.filter(sha256=result.data_sha256).order_by("pk").first()
    result.job = job
    result.recorded = job is not None
    if provenance is None:
        # Without a sidecar only the records can vouch for the data.
        result.unchanged = result.recorded
        result.messages.append(_("No provenance came with this CSV; its header names the report."))
    if job is not None:
        result.messages.append(
            _("The data match export #%(pk)s by %(user)s as of %(as_of)s.")
            % {"pk": job.pk, "user": job.requester.get_username(), "as_of": job.as_of}
        )
    else:
        result.messages.append(_("No recorded export has these data."))
    return result


def _kinds(header: list[str], provenance: dict | None) -> list[str]:
    if provenance is not None:
        return [kind for _label, kind in provenance["columns"]]
    from .reports import ledger_with_header

    return [column.kind for column in ledger_with_header(header).columns]
