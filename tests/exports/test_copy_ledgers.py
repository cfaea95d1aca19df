"""The ledgers computed in PostgreSQL and streamed by COPY give the Python writer's file, byte for byte.

On the export world plus awkward records: names with commas, quotes, line breaks and formula
starts, a person with no assessment, bed or provider, Chinese words, a resolved exception with its
reason code, a void reason with a comma, and a person enrolled in two pilot areas of two batches
with visits filed in each. For the recipient and the visit ledger, over the nation, one area and
one provider, at two as-of days: the CSV from COPY (`engine="sql"`, writers.copying) equals the CSV
`csv_chunks` writes from the Python rows (`engine="python"`, the path SQLite takes), with the same
data hash and row count; the XLSX from the SQL's typed rows has the same hash too.
"""

import datetime as dt
import zipfile

import pytest
from django.db import connection
from simple_history.utils import bulk_create_with_history

from eldercare.exports.reports import Scope
from eldercare.exports.reports.recipients import recipient_ledger
from eldercare.exports.reports.visits import visit_ledger
from eldercare.exports.selectors import resolve_scope
from eldercare.exports.verification import verify_export_file
from eldercare.exports.writers import csv_bytes, csv_chunks, write_csv_zip, write_xlsx
from eldercare.recipients.models import Enrolment
from eldercare.visits import services as visit_services
from eldercare.visits.models import ReviewReasonCode, Visit
from tests.conftest import at
from tests.exports.conftest import NOW_DAY, WORLD_DAY, _log
from tests.factories import (
    AssessmentFactory,
    BatchFactory,
    CaregiverFactory,
    CountyFactory,
    PilotAreaFactory,
    RecipientFactory,
    ServiceCategoryFactory,
)

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's; elsewhere the Python path is the only one"
)

AWKWARD_NAMES = ('王,"五"', "赵\n六", "=SUM(A1)", "-钱七", "@孙八", "'周九", "\t吴十", "郑,十一\r\n")
LEDGERS = {"recipients": recipient_ledger, "visits": visit_ledger}


@pytest.fixture
def awkward_world(world, time_machine):
    """The export world, and people, visits and enrolments whose cells test every rendering rule."""
    time_machine.move_to(at(dt.date(2023, 6, 16), 10))
    category = ServiceCategoryFactory(code="awkward", name='助洁,"深度"')
    caregiver = CaregiverFactory(provider=world.provider, name="护理员,丙", employee_number="=E1")
    people = []
    for index, name in enumerate(AWKWARD_NAMES):
        person = RecipientFactory(area=world.area, provider=world.provider, name=name)
        if index % 3:
            AssessmentFactory(recipient=person, assessed_on=dt.date(2023, 6, 1), level=("severe", "mild")[index % 2])
        people.append(person)
    RecipientFactory(area=world.area, provider=None, name="")  # no provider, no assessment, no name
    # A person of the 2023 area also enrolled in a second batch's area (in 上海), with visits filed in both.
    second = PilotAreaFactory(
        batch=BatchFactory(year=2022, name="2022年", visits_per_person_time=2),
        region=CountyFactory(code="310104", name="徐汇区"),
        cycle_start=dt.date(2022, 9, 1),
        cycle_end=dt.date(2023, 8, 31),
    )
    world.provider.areas.add(second)
    person = people[1]
    AssessmentFactory(recipient=person, assessed_on=dt.date(2023, 5, 1), level="complete")
    for area in (world.area, second):
        bulk_create_with_history(
            [Enrolment(recipient=person, area=area, enrolled_on=dt.date(2023, 6, 16))], Enrolment, batch_size=10
        )
    visits = []
    for offset, area in ((0, second), (1, second), (1, second), (2, world.area), (40, world.area)):
        start = at(dt.date(2023, 7, 10) + dt.timedelta(days=offset), 9 + len(visits))
        visits.append(
            Visit(
                recipient=person,
                area=area,
                provider=world.provider,
                caregiver=caregiver,
                category=category,
                started_at=start,
                ended_at=start + dt.timedelta(minutes=61),
                service_date=start.date(),
                checkin_latitude=person.home_latitude,
                checkin_longitude=person.home_longitude,
                is_countable=True,
            )
        )
    bulk_create_with_history(visits, Visit, batch_size=10)
    # A void reason with a comma and a quote; a resolved warning with its reason code.
    logged = _log(
        {
            "recipient": people[2],
            "provider": world.provider,
            "caregiver": caregiver,
            "category": category,
            "started_at": at(dt.date(2023, 8, 2), 10),
            "ended_at": at(dt.date(2023, 8, 2), 11, 30),
            "checkin_latitude": people[2].home_latitude,
            "checkin_longitude": people[2].home_longitude,
        },
        time_machine,
        dt.date(2023, 8, 2),
    )
    visit_services.visit_void(visit=logged, reason='重复,"录入"\n见附件')
    code = ReviewReasonCode.objects.create(code="gps-drift", label="定位漂移", decision="accept")
    time_machine.move_to(at(dt.date(2023, 9, 25), 10))
    visit_services.exceptions_resolve(
        exception_ids=[world.visits["v7"].exceptions.get().pk],
        decision="accept",
        reason_code=code,
        note="复核",
        acting_user=world.auditor,
    )
    time_machine.move_to(at(NOW_DAY, 10))
    return world


def _scope(user, level: str, code: str, as_of: dt.date, filters: dict | None = None) -> Scope:
    areas, provider, _label = resolve_scope(user, level, code)
    return Scope(areas=areas, provider=provider, as_of=as_of, filters=filters or {})


def _python_csv(kind: str, scope: Scope) -> tuple[bytes, dict]:
    provenance = {}
    report = LEDGERS[kind](scope, engine="python")
    assert report.copy is None
    return "".join(csv_chunks(report, provenance)).encode("utf-8"), provenance


def _copy_csv(kind: str, scope: Scope) -> tuple[bytes, dict]:
    provenance = {}
    report = LEDGERS[kind](scope, engine="sql")
    assert report.copy is not None
    return b"".join(csv_bytes(report, provenance)), provenance


def _xlsx_hash(kind: str, scope: Scope, engine: str, tmp_path) -> tuple[str, int]:
    provenance = {"as_of": scope.as_of.isoformat()}
    path = tmp_path / f"{kind}-{engine}.xlsx"
    write_xlsx(LEDGERS[kind](scope, engine=engine), provenance, str(path))
    return provenance["sha256"], provenance["rows"]


SCOPES = [("national", ""), ("area", "110114"), ("provider", None)]


@postgresql_only
@pytest.mark.parametrize("kind", ["recipients", "visits"])
@pytest.mark.parametrize("as_of", [WORLD_DAY, NOW_DAY])
@pytest.mark.parametrize(("level", "code"), SCOPES)
def test_the_copy_file_and_hash_equal_the_python_writers(awkward_world, kind, as_of, level, code):
    code = awkward_world.provider.credit_code if code is None else code
    scope = _scope(awkward_world.auditor, level, code, as_of)
    expected, expected_provenance = _python_csv(kind, scope)
    copied, provenance = _copy_csv(kind, scope)
    assert copied == expected
    assert (provenance["sha256"], provenance["rows"]) == (expected_provenance["sha256"], expected_provenance["rows"])
    assert provenance["rows"] > 0


@postgresql_only
@pytest.mark.parametrize(
    "filters",
    [{"date_from": "2023-08-02", "date_to": "2023-08-05"}, {"date_from": "2023-08-03"}, {"batch_year": 2022}],
)
def test_the_copy_file_equals_the_python_writers_with_filters(awkward_world, filters):
    for kind in ("visits", "recipients"):
        scope = _scope(awkward_world.auditor, "national", "", NOW_DAY, filters)
        expected, expected_provenance = _python_csv(kind, scope)
        copied, provenance = _copy_csv(kind, scope)
        assert copied == expected
        assert provenance["sha256"] == expected_provenance["sha256"] and provenance["rows"] > 0


@postgresql_only
def test_the_files_hold_the_awkward_cells_as_the_writer_wrote_them(awkward_world):
    copied, _provenance = _copy_csv("visits", _scope(awkward_world.auditor, "national", "", NOW_DAY))
    text = copied.decode("utf-8")
    assert text.startswith("\ufeff服务编号,")
    assert '"助洁,""深度"""' in text and "'=E1" in text and '"护理员,丙"' in text
    assert '"已作废：重复,""录入""\n见附件"' in text
    assert "签到位置偏离（已认可（计入），gps-drift）" in text
    copied, _provenance = _copy_csv("recipients", _scope(awkward_world.auditor, "national", "", NOW_DAY))
    text = copied.decode("utf-8")
    for cell in ('"王,""五"""', '"赵\n六"', "'=SUM(A1)", "'-钱七", "'@孙八", "''周九", "'\t吴十", '"郑,十一\r\n"'):
        assert cell in text
    assert "********" in text and awkward_world.r1.resident_id not in text


def test_a_person_enrolled_in_two_areas_has_a_row_in_each_with_that_areas_visits(awkward_world):
    scope = _scope(awkward_world.auditor, "national", "", NOW_DAY)
    for engine in ("python", "sql") if connection.vendor == "postgresql" else ("python",):
        report = recipient_ledger(scope, engine=engine)
        rows = [row for row in report.rows if row[2] == "赵\n六"]
        by_area = {row[5]: row for row in rows}
        assert set(by_area) == {"110114", "310104"}
        # 徐汇区 (2022 batch, 2 visits to a person-time): 07-10 and 07-11 (two visits that day, one counts).
        assert by_area["310104"][12:15] == (2, dt.date(2023, 7, 11), dt.date(2023, 7, 11))
        # 昌平区 (3 to a person-time): 07-12 and 08-19.
        assert by_area["110114"][12:15] == (2, None, dt.date(2023, 8, 19))
    # The roll-ups keep the same two rows with the same figures (progress per person and area served).
    from eldercare.rollups.models import RecipientProgress
    from eldercare.rollups.services import recompute_all

    recompute_all(today=NOW_DAY)
    person = Enrolment.objects.filter(area__region__code="310104").get().recipient_id
    progress = {
        p.area.region.code: (p.counted_visits, p.reached_on, p.last_counted_on)
        for p in RecipientProgress.objects.filter(recipient_id=person).select_related("area__region")
    }
    assert progress == {code: row[12:15] for code, row in by_area.items()}
    # An area auditor sees only the row of their own area.
    area_scope = _scope(awkward_world.area_auditor, "area", "110114", NOW_DAY)
    area_rows = [row for row in recipient_ledger(area_scope).rows if row[2] == "赵\n六"]
    assert [row[5] for row in area_rows] == ["110114"]


@postgresql_only
def test_visits_changed_or_deleted_after_filing_count_as_their_latest_version(awkward_world, time_machine):
    """The SQL reads an unchanged visit's creation row and a changed visit's latest version
    (recipients_sql.counted_visit_days_sql): a visit moved to another day after filing, one moved to
    another person and one voided (visits are never deleted) give the Python writer's file as of the
    day before and after."""
    visits = list(Visit.objects.filter(status="completed", area__region__code="110114").order_by("pk"))
    moved_day, moved_person, voided = visits[0], visits[1], visits[2]
    other = next(visit.recipient for visit in visits if visit.recipient_id != moved_person.recipient_id)
    time_machine.move_to(at(NOW_DAY - dt.timedelta(days=3), 10))
    shift = dt.timedelta(days=2)
    moved_day.service_date += shift
    moved_day.started_at += shift
    moved_day.ended_at += shift
    moved_day.save()
    moved_person.recipient = other
    moved_person.save()
    visit_services.visit_void(visit=voided, reason="录错")
    time_machine.move_to(at(NOW_DAY, 10))
    for as_of in (NOW_DAY - dt.timedelta(days=4), NOW_DAY):
        for level, code in SCOPES:
            code = awkward_world.provider.credit_code if code is None else code
            scope = _scope(awkward_world.auditor, level, code, as_of)
            expected, expected_provenance = _python_csv("recipients", scope)
            copied, provenance = _copy_csv("recipients", scope)
            assert copied == expected
            assert provenance["sha256"] == expected_provenance["sha256"]


@postgresql_only
@pytest.mark.parametrize("kind", ["recipients", "visits"])
def test_the_xlsx_from_the_sql_rows_has_the_python_rows_hash(awkward_world, kind, tmp_path):
    scope = _scope(awkward_world.auditor, "national", "", NOW_DAY)
    assert _xlsx_hash(kind, scope, "sql", tmp_path) == _xlsx_hash(kind, scope, "python", tmp_path)


@postgresql_only
def test_a_copied_csv_verifies_like_any_other(awkward_world, tmp_path):
    """The zip written by COPY reads back to the data hash its sidecar claims (what verify_export checks)."""
    scope = _scope(awkward_world.auditor, "national", "", NOW_DAY)
    report = visit_ledger(scope, engine="sql")
    provenance = {"columns": [[column.label, column.kind] for column in report.columns]}
    path = tmp_path / "visits.zip"
    write_csv_zip(report, provenance, str(path), stem="visits")
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["visits.csv", "visits.provenance.json"]
    result = verify_export_file(str(path))
    assert result.unchanged, result.messages
    assert (result.data_sha256, result.rows) == (provenance["sha256"], provenance["rows"])
