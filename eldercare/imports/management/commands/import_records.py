from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _

from eldercare.core.errors import DomainError
from eldercare.imports.columns import KINDS
from eldercare.imports.runner import import_file


class Command(BaseCommand):
    help = (
        "Import a filled Excel template (recipients, caregivers, visits). Every row is checked first; if any row "
        "is bad, "
        "each problem is printed with its line and column and nothing is changed. Rows already imported are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file", help="a filled template (.xlsx, or .csv in UTF-8 with the same headers)")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, but change nothing")
        parser.add_argument(
            "--user", help="the username the records are written as (required for visits: it scopes the upload)"
        )

    def handle(self, *args, **options):
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(_("No active user is called %(name)s.") % {"name": options["user"]})
        elif options["kind"] == "visits":
            raise CommandError(_("Name the user the visits are recorded as (--user)."))
        try:
            report = import_file(options["kind"], options["file"], acting_user=user, dry_run=options["dry_run"])
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
