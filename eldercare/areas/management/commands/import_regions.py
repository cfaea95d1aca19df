from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _

from eldercare.areas.importers import read_township_rows
from eldercare.areas.township_services import townships_import
from eldercare.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import an official list of townships (街道/乡镇) from CSV (UTF-8) or XLSX, with the columns code (the 9-digit "
        "GB/T 10114 township code, or the 12-digit statistical code ending in 000), name and county_code. Every row "
        "is checked first; if any row is bad, each problem is printed with its line and column and nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="a .csv or .xlsx file; columns code (乡级区划代码), name (名称), county_code (区县代码)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, but change nothing")

    def handle(self, *args, **options):
        try:
            rows = read_township_rows(options["file"])
            result = townships_import(rows=rows, dry_run=options["dry_run"])
        except DomainError as error:
            raise CommandError(str(error.message)) from None
        if result.errors:
            for row_error in result.errors:
                self.stderr.write(str(row_error))
            lines = len({row_error.line for row_error in result.errors})
            raise CommandError(_("%(lines)d row(s) of the file are bad; nothing was changed.") % {"lines": lines})
        summary = _("Townships: %(created)d created, %(updated)d renamed, %(unchanged)d unchanged.") % {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        if result.dry_run:
            summary = _("Dry run, nothing written. %(summary)s") % {"summary": summary}
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(summary))
