"""`manage.py verify_export FILE`: is this export file unchanged, and does it match a recorded export?

Exits 0 when both hold, 1 otherwise (so a script can rely on it).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from eldercare.exports.services import verify_export_file


class Command(BaseCommand):
    help = "Recompute an export file's data hash and compare it with the file's provenance and the export records."

    def add_arguments(self, parser):
        parser.add_argument("file", help="An exported XLSX, CSV or PDF file.")

    def handle(self, *args, file, **options):
        try:
            result = verify_export_file(file)
        except OSError as error:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": error}) from error
        for message in result.messages:
            self.stdout.write(str(message))
        if result.data_sha256:
            self.stdout.write(f"sha256 {result.data_sha256} · {result.rows}")
        if not result.ok:
            raise CommandError(_("Verification failed."), returncode=1)
        self.stdout.write(self.style.SUCCESS(_("Verified.")))
