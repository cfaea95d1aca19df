import time

from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from eldercare.areas.models import PilotArea
from eldercare.rollups.services import recompute_all
from eldercare.rollups.verification import reverify_visits
from eldercare.visits.models import Visit


def chosen_areas(code: str | None):
    areas = PilotArea.objects.select_related("batch", "region").order_by("pk")
    if code:
        areas = areas.filter(region__code=code)
        if not areas.exists():
            raise CommandError(_("There is no pilot area with division code %(code)s.") % {"code": code})
    return list(areas)


class Command(BaseCommand):
    help = (
        "Recompute every roll-up from visits (all areas, or one with --area CODE); with --reverify, "
        "first re-run verification on every visit."
    )

    def add_arguments(self, parser):
        parser.add_argument("--area", help="division code of one pilot area, e.g. 110114")
        parser.add_argument(
            "--reverify",
            action="store_true",
            help="first re-derive every visit's exceptions and countable flag from the raw records, area by area",
        )

    def handle(self, *args, **options):
        areas = chosen_areas(options["area"])
        quiet = options["verbosity"] == 0
        if options["reverify"]:
            started = time.monotonic()
            total = Visit.objects.filter(area__in=areas).count()
            with tqdm(total=total, unit="visit", disable=quiet, file=self.stderr) as bar:
                checked = reverify_visits(areas=areas, progress=bar.update)
            self.stdout.write(
                _("Re-verified %(visits)d visits in %(seconds).1f s.")
                % {"visits": checked, "seconds": time.monotonic() - started}
            )
        with tqdm(total=len(areas), unit="area", disable=quiet, file=self.stderr) as bar:
            run = recompute_all(areas=areas, progress=lambda area: bar.update(1))
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(
            _("Recomputed %(areas)d areas in %(seconds).1f s.") % {"areas": run.areas, "seconds": seconds}
        )
