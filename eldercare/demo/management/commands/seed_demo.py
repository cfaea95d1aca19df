import time

from django.core.management import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from eldercare.core.errors import DomainError
from eldercare.demo.world import DEFAULT_RECIPIENTS, DEFAULT_SEED, demo_world_create
from eldercare.recipients.models import Recipient

# SQLite page cache for this command's connection (KiB): the world is written in one transaction,
# and with SQLite's default 2 MB the pages spill to the write-ahead log half-way, costing seconds.
SQLITE_CACHE_KIB = 256 * 1024


class Command(BaseCommand):
    help = (
        "Invent a reproducible demo world relative to today: history in the latest official batch and a "
        "running batch (marked 示例) whose areas are ahead, on pace, behind and far behind; every row is demo data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--recipients", type=int, default=DEFAULT_RECIPIENTS, help="How many recipients.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Same seed, size and day: same data.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if any recipient exists (for `make run`)."
        )

    def handle(self, *args, **options):
        if options["if_empty"] and Recipient.objects.exists():
            if options["verbosity"]:
                self.stdout.write("Recipients already exist; no demo data added.")
            return
        began = time.monotonic()
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        try:
            summary = demo_world_create(
                today=timezone.localdate(), recipients=options["recipients"], seed=options["seed"]
            )
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        if not options["verbosity"]:
            return
        beds = ", ".join(f"{status} {count}" for status, count in sorted(summary.beds_by_status.items()))
        states: dict[str, int] = {}
        for state in summary.states.values():
            states[state] = states.get(state, 0) + 1
        running = f"running batch {summary.running_batch}" if summary.running_batch else "the existing running batch"
        self.stdout.write(
            self.style.SUCCESS(f"Demo world (seed {options['seed']}) in {time.monotonic() - began:.1f}s:")
        )
        self.stdout.write(
            f"  {summary.areas} areas: history in batch {summary.history_batch}, {running}"
            + (f" ({', '.join(f'{s} {n}' for s, n in sorted(states.items()))})" if states else "")
            + f"\n  {summary.providers} providers, {summary.caregivers} caregivers\n"
            f"  {summary.recipients} recipients, {summary.assessments} assessments\n"
            f"  {summary.beds} family care beds ({beds}), {summary.retrofit_items} retrofit items\n"
            f"  {summary.visits} visits ({summary.visits_countable} countable), {summary.disbursements} disbursements, "
            f"{summary.snapshots} past snapshots"
        )
        if summary.earlier_batch:
            self.stdout.write(
                f"  one recipient enrolled in two batches: also in batch {summary.earlier_batch}, "
                f"with {summary.earlier_visits} visits there"
            )
