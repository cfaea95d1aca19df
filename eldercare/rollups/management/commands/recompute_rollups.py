from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from eldercare.areas.models import PilotArea
from eldercare.rollups.services import recompute_all


def chosen_areas(code: str | None):
    areas = PilotArea.objects.select_related("batch", "region").order_by("pk")
    if code:
        areas = areas.filter(region__code=code)
        if not areas.exists():
            raise CommandError(_("There is no pilot area with division code %(code)s.") % {"code": code})
    return list(areas)


class Command(BaseCommand):
    help = "Recompute every roll-up from visits (all areas, or one with --area CODE)."

    def add_arguments(self, parser):
        parser.add_argument("--area", help="division code of one pilot area, e.g. 110114")

    def handle(self, *args, **options):
        areas = chosen_areas(options["area"])
        with tqdm(total=len(areas), unit="area", disable=options["verbosity"] == 0, file=self.stderr) as bar:
            run = recompute_all(areas=areas, progress=lambda area: bar.update(1))
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(
            _("Recomputed %(areas)d areas in %(seconds).1f s.") % {"areas": run.areas, "seconds": seconds}
        )
