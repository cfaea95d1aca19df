from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _

from eldercare.areas.importers import read_pilot_area_rows
from eldercare.areas.models import Batch
from eldercare.areas.services import pilot_areas_import
from eldercare.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import a batch's official list of pilot areas from CSV (UTF-8) or XLSX. Every row is checked first; "
        "if any row is bad, each problem is printed with its line number and nothing is changed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv or .xlsx file; columns 区划代码, 地区名称, 床位目标, 人次目标, …")
        parser.add_argument("--batch", type=int, help="the batch year (default: the latest batch)")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, but change nothing")

    def handle(self, *args, **options):
        batch = self._batch(options["batch"])
        try:
            rows = read_pilot_area_rows(options["file"])
            result = pilot_areas_import(rows=rows, batch=batch, dry_run=options["dry_run"])
        except DomainError as error:
            raise CommandError(str(error.message)) from None
        if result.errors:
            for row_error in result.errors:
                self.stderr.write(str(row_error))
            lines = len({row_error.line for row_error in result.errors})
            raise CommandError(_("%(lines)d row(s) of the file are bad; nothing was changed.") % {"lines": lines})
        summary = _("%(batch)s: %(created)d area(s) created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "batch": batch,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        if result.dry_run:
            summary = _("Dry run, nothing written. %(summary)s") % {"summary": summary}
        self.stdout.write(self.style.SUCCESS(summary))

    def _batch(self, year: int | None) -> Batch:
        batches = Batch.objects.all()
        batch = batches.filter(year=year).first() if year else batches.order_by("-year").first()
        if batch is None:
            if year:
                raise CommandError(_("There is no %(year)d batch; create it first.") % {"year": year})
            raise CommandError(_("There is no batch yet; create one first (or run load_reference_data)."))
        return batch
