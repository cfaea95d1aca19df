from django.core.management import BaseCommand, CommandError
from django.utils.translation import gettext as _

from eldercare.rollups.management.commands.recompute_rollups import chosen_areas
from eldercare.rollups.verification import verify_all


class Command(BaseCommand):
    help = "Recount from visits independently and print every difference from the stored roll-ups."

    def add_arguments(self, parser):
        parser.add_argument("--area", help="division code of one pilot area, e.g. 110114")

    def handle(self, *args, **options):
        areas = chosen_areas(options["area"])
        differences = verify_all(areas=areas)
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            raise CommandError(_("%(count)d differences between roll-ups and a recount.") % {"count": len(differences)})
        self.stdout.write(_("Roll-ups of %(areas)d areas equal a recount from visits.") % {"areas": len(areas)})
