from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _

from eldercare.core.errors import DomainError
from eldercare.imports.columns import KINDS
from eldercare.imports.runner import import_file


class Command(BaseCommand):
    help = (
        "Import a filled Excel template (recipients, caregivers). Every row is checked first; if any row is bad, "
        "each problem is printed with its line and column and nothing is changed. Rows already imported are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", help="a filled template (.xlsx, or .csv in UTF-8 with the same headers)")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, but change nothing")

    def handle(self, *args, **options):
        try:
            report = import_file(options["kind"], options["file"], dry_run=options["dry_run"])
        except DomainError as error:
            raise CommandError(str(error.message)) from None
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(lines)d row(s) of the file are bad; nothing was changed.") % {"lines": report.bad_lines}
            )
        summary = _("%(rows)d row(s): %(created)d imported, %(skipped)d already imported and skipped.") % {
            "rows": report.rows,
            "created": report.created,
            "skipped": report.skipped,
        }
        if report.dry_run:
            summary = _("Dry run, nothing written. %(summary)s") % {"summary": summary}
        self.stdout.write(summary)
