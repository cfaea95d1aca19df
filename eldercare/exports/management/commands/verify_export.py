"""`manage.py verify_export FILE [--provenance SIDECAR]`: is this export file unchanged, and recorded here?

FILE is an XLSX, a CSV export's zip, an extracted CSV (its `.provenance.json` next to it is read
when present) or a PDF. Exits 0 when both hold, 1 otherwise (so a script can rely on it). The
exports page's "verify a file" does the same for an upload.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from eldercare.exports.verification import verify_export_file


class Command(BaseCommand):
    help = "Recompute an export file's data hash and compare it with the file's provenance and the export records."

    def add_arguments(self, parser):
        parser.add_argument("file", help="An exported XLSX, CSV zip, CSV or PDF file.")
        parser.add_argument("--provenance", help="The .provenance.json of an extracted CSV, if not next to it.")

    def handle(self, *args, file, provenance=None, **options):
        try:
            result = verify_export_file(file, provenance_path=provenance)
        except OSError as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": error}) from error
        for message in result.messages:
            self.stdout.write(str(message))
        if result.data_sha256:
            self.stdout.write(f"sha256 {result.data_sha256} · {result.rows}")
        if not result.ok:
            raise CommandError(_("Verification failed."), returncode=1)
        self.stdout.write(self.style.SUCCESS(_("Verified.")))
