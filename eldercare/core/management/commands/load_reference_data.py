from django.core.management import BaseCommand, call_command

from eldercare.core.reference_data import fixtures_to_load, imports_to_run


class Command(BaseCommand):
    help = (
        "Load the regions, catalogues, the 2023 batch with its 50 pilot areas and the townships of 北京市昌平区, "
        "where not yet loaded."
    )

    def handle(self, *args, **options):
        pending, imports = fixtures_to_load(), imports_to_run()
        if pending:
            call_command("loaddata", *pending, verbosity=options["verbosity"])
        for command, path in imports:
            call_command(command, path, verbosity=options["verbosity"])
        if not (pending or imports) and options["verbosity"]:
            self.stdout.write("Reference data already loaded.")
