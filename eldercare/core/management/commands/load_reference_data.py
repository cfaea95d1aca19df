from django.core.management import BaseCommand, call_command

from eldercare.core.reference_data import REFERENCE_FIXTURES


class Command(BaseCommand):
    help = "Load the regions, catalogues and the 2023 batch with its 50 pilot areas (safe to run again)."

    def handle(self, *args, **options):
        call_command("loaddata", *REFERENCE_FIXTURES, verbosity=options["verbosity"])
