"""A small hand-computed world for the export tests.

Batch 2023 with 3 counted visits to a person-time (so the numbers stay small); area 北京 A
(cycle 2023-07-01 – 2024-06-30) and area 上海 B. In area A, provider P1, caregiver C1:

  R1 (severely disabled, eligible), visits logged through the service the evening of each day:
    v1  08-01 09:00 60 min   counts
    v2  08-01 14:00 60 min   passes verification, but v1 already counts that day
    v3  08-02 09:00 20 min   too short (blocking): does not count
    v4  08-03 09:00 60 min   counts
    v5  08-04 09:00 60 min   counts: the 3rd counted day, R1 reaches the person-time on 08-04
    v6  08-05 09:00 60 min   voided on 08-05 ("核查未提供服务")
    v7  08-06 09:00 60 min   checked in 2 km from home: an open warning, does not count
  R2 (mildly disabled: not eligible for home visits), named like a formula:
    v8  08-01 16:00 60 min   not eligible (blocking)

Roll-ups are recomputed at 20:00 on 08-07, which writes the daily snapshot of that day.
Entered on 09-20: R1's bed, accepted on 2023-08-10, with two items (grab bar 300, emergency
button 450); area A's 1,000,000 allocated for beds and its disbursements of 100,000 (09-01) and
50,000 (09-15, voucher "=PZ-2"). The tests then run on 2023-10-01 at 10:00.
"""

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection

from eldercare.accounts.models import Role
from eldercare.rollups.services import recompute_all
from eldercare.visits import services as visit_services
from tests.conftest import at, north_of
from tests.factories import (
    AssessmentFactory,
    BatchFactory,
    CaregiverFactory,
    CountyFactory,
    DisbursementFactory,
    FamilyCareBedFactory,
    FundAllocationFactory,
    PilotAreaFactory,
    ProviderFactory,
    ProvinceFactory,
    RecipientFactory,
    RetrofitCatalogItemFactory,
    RetrofitItemFactory,
    ServiceCategoryFactory,
    make_user,
)

_BULK_AREAS = itertools.count()
FORMULA_NAME = '=HYPERLINK("http://x","点我")'
WORLD_DAY = dt.date(2023, 8, 7)
NOW_DAY = dt.date(2023, 10, 1)  # the tests run "today" at 10:00


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.EXPORT_INLINE_MAX_ROWS = 20000
    return settings.EXPORT_ROOT


@dataclass
class World:
    area: object
    other_area: object
    provider: object
    other_provider: object
    r1: object
    r2: object
    visits: dict
    bed: object
    auditor: User
    area_auditor: User
    other_auditor: User
    provider_staff: User


def _log(visit_kwargs, time_machine, day: dt.date):
    time_machine.move_to(at(day, 20))
    return visit_services.visit_create(**visit_kwargs)


@pytest.fixture
def world(db, time_machine) -> World:
    time_machine.move_to(at(dt.date(2023, 6, 15), 10))  # people and providers are registered before the cycle
    batch = BatchFactory(visits_per_person_time=3)
    beijing = ProvinceFactory(code="110000", name="北京市")
    shanghai = ProvinceFactory(code="310000", name="上海市")
    area = PilotAreaFactory(batch=batch, region=CountyFactory(parent=beijing, code="110114", name="昌平区"))
    other_area = PilotAreaFactory(batch=batch, region=CountyFactory(parent=shanghai, code="310101", name="黄浦区"))
    provider = ProviderFactory(name="昌平养老服务中心")
    provider.areas.add(area)
    other_provider = ProviderFactory(name="黄浦养老服务中心")
    other_provider.areas.add(other_area)
    r1 = RecipientFactory(area=area, provider=provider, name="张三")
    r2 = RecipientFactory(area=area, provider=provider, name=FORMULA_NAME)
    r_other = RecipientFactory(area=other_area, provider=other_provider, name="李四")
    AssessmentFactory(recipient=r1, assessed_on=dt.date(2023, 6, 1), level="severe")
    AssessmentFactory(recipient=r2, assessed_on=dt.date(2023, 6, 1), level="mild")
    AssessmentFactory(recipient=r_other, assessed_on=dt.date(2023, 6, 1), level="complete")
    caregiver = CaregiverFactory(provider=provider, name="护理员甲")
    other_caregiver = CaregiverFactory(provider=other_provider, name="护理员乙")
    category = ServiceCategoryFactory()

    def visit(recipient, start, minutes=60, who=caregiver, **extra):
        return {
            "recipient": recipient,
            "provider": recipient.provider,
            "caregiver": who,
            "category": category,
            "started_at": start,
            "ended_at": start + dt.timedelta(minutes=minutes),
            "checkin_latitude": recipient.home_latitude,
            "checkin_longitude": recipient.home_longitude,
            **extra,
        }

    d = dt.date
    visits = {}
    visits["v1"] = _log(visit(r1, at(d(2023, 8, 1), 9)), time_machine, d(2023, 8, 1))
    visits["v2"] = _log(visit(r1, at(d(2023, 8, 1), 14)), time_machine, d(2023, 8, 1))
    visits["v8"] = _log(visit(r2, at(d(2023, 8, 1), 16)), time_machine, d(2023, 8, 1))
    visits["v3"] = _log(visit(r1, at(d(2023, 8, 2), 9), minutes=20), time_machine, d(2023, 8, 2))
    visits["v4"] = _log(visit(r1, at(d(2023, 8, 3), 9)), time_machine, d(2023, 8, 3))
    visits["v5"] = _log(visit(r1, at(d(2023, 8, 4), 9)), time_machine, d(2023, 8, 4))
    visits["v6"] = _log(visit(r1, at(d(2023, 8, 5), 9)), time_machine, d(2023, 8, 5))
    visit_services.visit_void(visit=visits["v6"], reason="核查未提供服务")
    far = north_of(r1.home_latitude, 2000)
    visits["v7"] = _log(visit(r1, at(d(2023, 8, 6), 9), checkin_latitude=far), time_machine, d(2023, 8, 6))
    visits["other"] = _log(visit(r_other, at(d(2023, 8, 1), 9), who=other_caregiver), time_machine, d(2023, 8, 1))

    time_machine.move_to(at(WORLD_DAY, 20))
    recompute_all(today=WORLD_DAY)

    time_machine.move_to(at(d(2023, 9, 20), 10))
    FundAllocationFactory(area=area, use="beds", amount=Decimal("1000000"))
    DisbursementFactory(area=area, paid_on=d(2023, 9, 1), amount=Decimal("100000"), voucher_number="PZ-1")
    DisbursementFactory(area=area, paid_on=d(2023, 9, 15), amount=Decimal("50000"), voucher_number="=PZ-2")
    DisbursementFactory(area=other_area, paid_on=d(2023, 9, 1), amount=Decimal("70000"), voucher_number="PZ-3")
    bed = FamilyCareBedFactory(
        recipient=r1,
        status="accepted",
        acceptance_provider=provider,
        retrofit_provider=provider,
        accepted_on=d(2023, 8, 10),
    )
    RetrofitItemFactory(bed=bed, cost=Decimal("300"))
    button = RetrofitCatalogItemFactory(code="emergency-button", name="紧急呼叫器", kind="smart", is_device=True)
    RetrofitItemFactory(bed=bed, catalog_item=button, cost=Decimal("450"), serial_number="SN1", warranty_months=12)
    time_machine.move_to(at(NOW_DAY, 10))

    return World(
        area=area,
        other_area=other_area,
        provider=provider,
        other_provider=other_provider,
        r1=r1,
        r2=r2,
        visits=visits,
        bed=bed,
        auditor=make_user("auditor", Role.AUDITOR),
        area_auditor=make_user("area_auditor", Role.AUDITOR, area=area),
        other_auditor=make_user("other_auditor", Role.AUDITOR, area=other_area),
        provider_staff=make_user("staff", Role.PROVIDER_STAFF, provider=provider),
    )


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


def report_rows(kind: str, user, as_of: dt.date, level: str = "national", code: str = "", filters=None):
    """The report and its rows as the files hold them (times in Beijing wall time)."""
    from eldercare.exports.reports import Scope, build_report
    from eldercare.exports.selectors import resolve_scope
    from eldercare.exports.writers import prepare

    areas, provider, _label = resolve_scope(user, level, code)
    report = build_report(kind, Scope(areas=areas, provider=provider, as_of=as_of, filters=filters or {}))
    return report, [prepare(row, report.columns) for row in report.rows]


def totals_of(report) -> dict:
    """The report's totals (read after its rows) by column label, without the columns that have none."""
    labels = [column.label for column in report.columns]
    return {label: value for label, value in zip(labels, report.totals(), strict=True) if value is not None}


def csv_zip(job) -> tuple[list[list[str]], dict, list[str]]:
    """The rows of a CSV export's data file, its sidecar provenance, and the names in the zip."""
    import csv
    import io
    import json
    import zipfile

    with job.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        names = archive.namelist()
        data = archive.read(next(name for name in names if name.endswith(".csv")))
        provenance = json.loads(archive.read(next(name for name in names if name.endswith(".provenance.json"))))
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")))), provenance, names


def by_column(report, rows, key_label: str) -> dict:
    """Rows as dicts keyed by header label, indexed by the value of one column."""
    labels = [column.label for column in report.columns]
    return {row[labels.index(key_label)]: dict(zip(labels, row, strict=True)) for row in rows}


def bulk_world(*, recipients: int, visits_per_recipient: int, area=None, provider=None):
    """Many recipients (assessed, eligible) and visits on consecutive days, written in bulk with history rows."""
    from simple_history.utils import bulk_create_with_history

    from eldercare.recipients.models import CapabilityAssessment, Recipient
    from eldercare.visits.models import Visit

    provider = provider or ProviderFactory()
    # A county of its own: the factory's next code could be the world's 昌平区 (110114), same batch.
    county = f"{130901 + next(_BULK_AREAS) % 98}"
    area = area or PilotAreaFactory(batch=BatchFactory(), region=CountyFactory(code=county))
    provider.areas.add(area)
    caregiver = CaregiverFactory(provider=provider)
    category = ServiceCategoryFactory()
    people = [RecipientFactory.build(area=area, provider=provider) for _ in range(recipients)]
    bulk_create_with_history(people, Recipient, batch_size=2000)
    people = list(Recipient.objects.filter(area=area).order_by("pk"))
    bulk_create_with_history(
        [
            CapabilityAssessment(recipient=person, assessed_on=dt.date(2023, 6, 1), level="severe", assessor_name="甲")
            for person in people
        ],
        CapabilityAssessment,
        batch_size=2000,
    )
    visits = []
    for person in people:
        for offset in range(visits_per_recipient):
            start = at(area.cycle_start + dt.timedelta(days=offset), 9)
            visits.append(
                Visit(
                    recipient=person,
                    area=area,
                    provider=provider,
                    caregiver=caregiver,
                    category=category,
                    started_at=start,
                    ended_at=start + dt.timedelta(hours=1),
                    service_date=start.date(),
                    is_countable=True,
                )
            )
        if len(visits) >= 5000:
            bulk_create_with_history(visits, Visit, batch_size=2000)
            visits = []
    bulk_create_with_history(visits, Visit, batch_size=2000)
    return area
