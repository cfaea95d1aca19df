from django.core.management import BaseCommand, call_command

from eldercare.demo.users import DEMO_CAREGIVER_USERNAME, demo_caregiver_ensure


class Command(BaseCommand):
    help = (
        "The first start of `make run`, in one process: migrate, load the reference data, build the demo world "
        "if no recipient exists yet, and create the demo users that are missing."
    )

    def handle(self, *args, **options):
        # One process instead of four: each start of Django costs about a second before it does anything.
        common = {"verbosity": options["verbosity"], "stdout": self.stdout, "stderr": self.stderr}
        call_command("migrate", interactive=False, **common)
        call_command("load_reference_data", **common)
        call_command("seed_demo", if_empty=True, **common)
        call_command("ensure_demo_admin", **common)
        # The caregiver who signs in on the phone page (/m/).
        if demo_caregiver_ensure() is not None and options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"Created the demo caregiver: {DEMO_CAREGIVER_USERNAME}"))
