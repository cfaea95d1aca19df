from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _

from eldercare.core.selectors import recount_queue_status
from eldercare.rollups.management.commands.recompute_rollups import chosen_areas
from eldercare.rollups.verification import (
    VerificationResult,
    queue_report,
    verify_deep,
    verify_recount,
    wait_for_recount_queue,
)

# Differences printed by default; the total is always said.
SHOWN = 20


class Command(BaseCommand):
    help = (
        "Recount from visits independently and print the differences from the stored roll-ups; with --deep, "
        "re-derive exceptions and countable flags from the raw records too. Work still queued is reported apart."
    )

    def add_arguments(self, parser):
        parser.add_argument("--area", help="division code of one pilot area, e.g. 110114")
        parser.add_argument(
            "--deep",
            action="store_true",
            help="also re-derive exceptions and countable flags from the raw records and recount from them",
        )
        parser.add_argument(
            "--sample",
            type=int,
            metavar="N",
            help="with --deep: N random visits (and every visit of their recipients) instead of all",
        )
        parser.add_argument("--seed", type=int, default=0, help="seed of the --sample draw (default 0)")
        parser.add_argument(
            "--wait",
            type=float,
            metavar="SECONDS",
            help="first wait up to SECONDS for the recount queue to drain; fail if it does not",
        )
        parser.add_argument("--show", type=int, default=SHOWN, metavar="N", help=f"print the first N (default {SHOWN})")

    def handle(self, *args, **options):
        if options["sample"] is not None and not options["deep"]:
            raise CommandError(_("--sample needs --deep."))
        if options["sample"] is not None and options["sample"] < 1:
            raise CommandError(_("--sample needs a positive number of visits."))
        areas = chosen_areas(options["area"])
        if options["wait"] is not None:
            status = wait_for_recount_queue(options["wait"])
            self.stdout.write(queue_report(status))
            if status.depth:
                raise CommandError(
                    _("The recount queue did not drain within %(seconds)s s.") % {"seconds": f"{options['wait']:g}"}
                )
        else:
            # Pending work is no difference: the figures it concerns are set apart below.
            self.stdout.write(queue_report(recount_queue_status()))

        results = [verify_recount(areas=areas)]
        if options["deep"]:
            deep_areas = areas if options["area"] else None
            results.append(verify_deep(areas=deep_areas, sample=options["sample"], seed=options["seed"]))
        for result in results:
            self._print(result, options["show"])

        total = sum(result.difference_count for result in results)
        if total:
            raise CommandError(_("%(count)d differences between roll-ups and a recount.") % {"count": total})
        self.stdout.write(_("Roll-ups of %(areas)d areas equal a recount from visits.") % {"areas": len(areas)})
        if options["deep"]:
            self.stdout.write(_("Stored exceptions and countable flags equal what the raw records say."))

    def _print(self, result: VerificationResult, show: int) -> None:
        if result.kind == "deep":
            if result.sample is not None:
                self.stdout.write(
                    _("Random sample of %(sample)d visits (seed %(seed)d), with every visit of their recipients.")
                    % {"sample": result.sample, "seed": result.seed}
                )
            self.stdout.write(
                _("Deep check: %(visits)d visits of %(recipients)d recipients re-derived from the raw records.")
                % {"visits": result.visits_checked, "recipients": result.recipients_checked}
            )
        for difference in result.differences[:show]:
            self.stdout.write(str(difference))
        shown = min(show, len(result.differences))
        if result.difference_count > shown:
            self.stdout.write(
                _("… and %(more)d more (%(count)d in all).")
                % {"more": result.difference_count - shown, "count": result.difference_count}
            )
        if result.pending_count:
            self.stdout.write(
                _("%(count)d more concern recipients or areas with a recount queued: pending work, not differences.")
                % {"count": result.pending_count}
            )
            for difference in result.pending[: min(show, 5)]:
                self.stdout.write(f"  ({_('pending')}) {difference}")
