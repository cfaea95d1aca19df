import time

from django.core.management import BaseCommand, CommandError
from django.utils import timezone

from eldercare.core.demo import DEFAULT_RECIPIENTS, DEFAULT_SEED, demo_world_create
from eldercare.core.errors import DomainError
from eldercare.recipients.models import Recipient


class Command(BaseCommand):
    help = (
        "Invent a reproducible demo world (providers, caregivers, recipients, beds, visits, payments) over the "
        "latest batch's pilot areas; every row is flagged as demo data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--recipients", type=int, default=DEFAULT_RECIPIENTS, help="How many recipients.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Same seed and size, same data.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any recipient exists (for `make run`)."
        )

    def handle(self, *args, **options):
        if options["if_empty"] and Recipient.objects.exists():
            if options["verbosity"]:
                self.stdout.write("Recipients already exist; no demo data added.")
            return
        began = time.monotonic()
        try:
            summary = demo_world_create(
                today=timezone.localdate(), recipients=options["recipients"], seed=options["seed"]
            )
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        if not options["verbosity"]:
            return
        beds = ", ".join(f"{status} {count}" for status, count in sorted(summary.beds_by_status.items()))
        self.stdout.write(
            self.style.SUCCESS(f"Demo world (seed {options['seed']}) in {time.monotonic() - began:.1f}s:")
        )
        self.stdout.write(
            f"  {summary.areas} areas, {summary.providers} providers, {summary.caregivers} caregivers\n"
            f"  {summary.recipients} recipients, {summary.assessments} assessments\n"
            f"  {summary.beds} family care beds ({beds}), {summary.retrofit_items} retrofit items\n"
            f"  {summary.visits} visits: {summary.recipients_30_plus} recipients with 30+ visits, "
            f"{summary.recipients_in_progress} in progress\n"
            f"  {summary.disbursements} disbursements"
        )
