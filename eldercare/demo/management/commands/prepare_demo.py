from django.core.management import BaseCommand, call_command


class Command(BaseCommand):
    help = (
        "The first start of `make run`, in one process: migrate, load the reference data, build the demo world "
        "if no recipient exists yet, and create the demo users that are missing."
    )

    def handle(self, *args, **options):
        # One process instead of four: each start of Django costs about a second before it does anything.
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=verbosity)
        call_command("load_reference_data", verbosity=verbosity)
        call_command("seed_demo", if_empty=True, verbosity=verbosity)
        call_command("ensure_demo_admin", verbosity=verbosity)
