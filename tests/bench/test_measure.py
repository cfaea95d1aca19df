"""The benchmark's own pieces: the fair floor computes what the recount stores, the day's uploads are
plausible, the query counts compare with other scales, and a missing export measurement says so."""

import json

import pytest
from django.db import connection
from django.db.models import Count, Q, Sum

from bench import measure
from bench.generate import WorldSize, generate_world
from bench.measure.context import BenchContext
from bench.measure.dashboards import recorded_query_counts
from bench.measure.day import EVENING_SLOTS, as_uploads, plan_day
from bench.verification import establish_verification
from eldercare.rollups.models import RecipientProgress
from eldercare.rollups.services import recompute_all

TINY = WorldSize.at(0.0005)


def quiet(*_args):
    pass


def build() -> BenchContext:
    report = generate_world(TINY, seed=3, log=quiet, before_indexes=lambda: establish_verification(log=quiet))
    return BenchContext(size=TINY, seed=3, bench_day=report.bench_day, nightly_day=report.nightly_day, log=quiet)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the floor is PostgreSQL SQL (arrays)")
def test_the_fair_floor_computes_the_figures_the_recount_stores(reference_data):
    build()
    recompute_all()

    groups, completed, rated, satisfied, counted, reached, _first, _last = measure.fair_floor()

    stored = RecipientProgress.objects.filter(completed_visits__gt=0).aggregate(
        rows=Count("pk"),
        completed=Sum("completed_visits"),
        rated=Sum("rated_visits"),
        satisfied=Sum("satisfied_visits"),
        counted=Sum("counted_visits"),
        reached=Count("pk", filter=Q(reached_on__isnull=False)),
    )
    assert (groups, completed, rated, satisfied, counted, reached) == (
        stored["rows"],
        stored["completed"],
        stored["rated"],
        stored["satisfied"],
        stored["counted"],
        stored["reached"],
    )


@pytest.mark.django_db
def test_a_days_uploads_give_each_recipient_one_visit_and_no_caregiver_two_at_once(reference_data):
    context = build()

    planned = plan_day(context, context.bench_day, count=40, slots=EVENING_SLOTS, lengths=(45, 60), salt="t")
    uploads = as_uploads(planned)

    assert 0 < len(planned) <= 40
    assert len({visit.recipient_id for visit in planned}) == len(planned)
    by_caregiver = {}
    for visit in planned:
        by_caregiver.setdefault(visit.caregiver_id, []).append((visit.start, visit.end))
    for spans in by_caregiver.values():
        spans.sort()
        assert all(earlier[1] <= later[0] for earlier, later in zip(spans, spans[1:], strict=False))
    assert sum(len(items) for _provider, items in uploads) == len(planned)
    first = uploads[0][1][0]
    assert first["started_at"].startswith(context.bench_day.isoformat()) and first["started_at"].endswith("+08:00")


def test_query_counts_come_from_the_latest_results_file_of_each_other_scale(tmp_path, monkeypatch):
    def write(name, scale, national, area):
        pages = {"national": {"queries": national}, "area": {"queries": area}}
        figures = [{"key": "dashboards", "detail": {"pages": pages}}]
        (tmp_path / name).write_text(json.dumps({"scale": scale, "figures": figures}))

    write("20261201-100000-scale-1.json", 1, 9, 15)
    write("20261202-100000-scale-1.json", 1, 10, 18)
    write("20261202-110000-scale-0.1.json", 0.1, 10, 18)
    write("20261202-120000-scale-0.01.json", 0.01, 99, 99)
    monkeypatch.setattr("bench.measure.dashboards.RESULTS", tmp_path)

    assert recorded_query_counts(0.01) == {
        "20261202-100000-scale-1.json": {"national": 10, "area": 18},
        "20261202-110000-scale-0.1.json": {"national": 10, "area": 18},
    }


def test_the_national_exports_are_reported_unavailable_while_their_measurement_is_missing(monkeypatch):
    def missing(name):
        raise ModuleNotFoundError(f"No module named {name!r}")

    monkeypatch.setattr(measure.importlib, "import_module", missing)

    figures = measure.measure_national_exports(None)

    assert [figure.key for figure in figures] == ["export_recipients_national", "export_visits_national"]
    assert all(figure.value is None and "not there yet" in figure.note for figure in figures)
