"""`manage.py find_bad_rows`: name the stored rows the input policy would refuse; exit 1 when there are any."""

from django.core.management import BaseCommand, CommandError

from eldercare.core.bad_rows import IDS_SHOWN, find_bad_rows


class Command(BaseCommand):
    help = (
        "Find stored rows with timestamps or dates outside the input policy's window (or beyond what Python "
        "can read) and text holding control characters, by model, field and id. Exits 1 when any is found."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database alias to search (default: default).")
        parser.add_argument("--ids", type=int, default=IDS_SHOWN, help=f"Ids shown per field (default {IDS_SHOWN}).")

    def handle(self, *args, **options):
        found = find_bad_rows(using=options["database"], ids_shown=max(1, options["ids"]))
        for bad in found:
            self.stdout.write(str(bad))
        if found:
            rows = sum(bad.count for bad in found)
            raise CommandError(f"{rows} bad value(s) in {len(found)} field(s); correct them through the services.")
        if options["verbosity"]:
            self.stdout.write("No bad rows.")
