from django.core.management import BaseCommand, call_command

from eldercare.core.reference_data import fixtures_to_load


class Command(BaseCommand):
    help = "Load the regions, catalogues and the 2023 batch with its 50 pilot areas, where not yet loaded."

    def handle(self, *args, **options):
        pending = fixtures_to_load()
        if pending:
            call_command("loaddata", *pending, verbosity=options["verbosity"])
        elif options["verbosity"]:
            self.stdout.write("Reference data already loaded.")
