from django.core.management import BaseCommand
from django.utils.translation import gettext as _

from eldercare.imports.columns import KINDS
from eldercare.imports.template import write_template


class Command(BaseCommand):
    help = "Write an Excel import template (Chinese headers, instructions, drop-down lists) for one kind of record."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("out", help="the .xlsx file to write")

    def handle(self, *args, **options):
        path = write_template(KINDS[options["kind"]], options["out"])
        self.stdout.write(_("Template written to %(path)s.") % {"path": path})
