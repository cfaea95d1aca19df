"""Time the dashboards against the current database: server time (median, p95) and queries per view.

For `make bench`: run it after loading a world of the size to measure. The command signs in a
temporary superuser inside a transaction it rolls back, so it leaves nothing behind.
"""

import json
import statistics
import time

from django.core.management import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.urls import reverse

from eldercare.areas.models import PilotArea
from eldercare.rollups.models import RecipientProgress


class Command(BaseCommand):
    help = "Measure the national, provincial and area dashboards: median and p95 server time, and query count."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=20, help="Requests per view (after one warm-up).")
        parser.add_argument(
            "--area", help="Division code of the area to measure (default: the one with most recipients)."
        )
        parser.add_argument("--as-of", help="Also measure the views as of this day (YYYY-MM-DD).")
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead of a table.")

    def handle(self, *args, **options):
        setup_test_environment()  # lets the test client's host through ALLOWED_HOSTS
        area = self._area(options["area"])
        views = [
            ("national", reverse("dashboards:national"), {}),
            ("province", reverse("dashboards:province", kwargs={"province_code": area.region.province_code}), {}),
            ("area", reverse("dashboards:area", kwargs={"area_code": area.region.code}), {}),
        ]
        if options["as_of"]:
            views += [(f"{name} as of", url, {"as_of": options["as_of"]}) for name, url, _params in views]
        results = {
            "areas": PilotArea.objects.count(),
            "recipients_in_area": RecipientProgress.objects.filter(area=area).count(),
            "area": area.region.code,
            "views": {},
        }
        with transaction.atomic():
            from django.contrib.auth import get_user_model

            user = get_user_model().objects.create_superuser("bench-dashboards", password=None)
            client = Client()
            client.force_login(user)
            for name, url, params in views:
                results["views"][name] = self._measure(client, url, params, options["runs"])
            transaction.set_rollback(True)
        self._report(results, as_json=options["json"])

    def _area(self, code):
        areas = PilotArea.objects.select_related("region")
        if code:
            area = areas.filter(region__code=code).order_by("-batch__year").first()
        else:
            busiest = RecipientProgress.objects.values("area").annotate(n=Count("pk")).order_by("-n").values("area")[:1]
            area = areas.filter(pk__in=busiest).first() or areas.first()
        if area is None:
            raise CommandError("No pilot area: load the reference data (and a world) first.")
        return area

    def _measure(self, client, url, params, runs):
        client.get(url, params)  # warm-up: templates, translations, first connection
        times, queries = [], set()
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                response = client.get(url, params)
                elapsed = time.perf_counter() - began
            if response.status_code != 200:
                raise CommandError(f"{url} answered {response.status_code}")
            times.append(elapsed * 1000)
            queries.add(len(captured))
        times.sort()
        return {
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
            "queries": sorted(queries),
        }

    def _report(self, results, *, as_json):
        if as_json:
            self.stdout.write(json.dumps(results))
            return
        self.stdout.write(
            f"{results['areas']} areas; area {results['area']} with {results['recipients_in_area']} recipients"
        )
        for name, figures in results["views"].items():
            queries = ", ".join(str(count) for count in figures["queries"])
            self.stdout.write(
                f"  {name:<18} median {figures['median_ms']:>7} ms   p95 {figures['p95_ms']:>7} ms   queries {queries}"
            )
