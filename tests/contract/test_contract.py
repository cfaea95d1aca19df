"""Tests generated from the invalidation contract (`eldercare.visits.verification.contract.CONTRACT`).

`RECIPES` maps every contract entry (model label, field) to a mutation: how to change that field,
through each write path that can change it, so that a check or a figure really changes. For every
entry and every path one test is generated: after the write (and its on-commit callbacks), the
stored exceptions, countable flags and roll-ups equal a recompute from scratch (`recompute.py`), and
what users see has changed. A row added to `CONTRACT` without a recipe fails
`test_every_contract_entry_has_a_recipe`; a path added to a recipe adds its test.

Paths: `admin` (the record's own change form, or its action page), `admin_inline` (an inline of the
parent's change form), `admin_add` and `admin_inline_add` (a new record: the change is from nothing),
`api` (the REST API's write of the record), `api_add` and `api_bulk` (a new record through the API, or
a bulk upload), `import` (`manage.py import_pilot_areas`), `service` (a plain service call, for records
whose life is a sequence of service moves: beds, visits, reviews). The world the recipes act on is
described in `conftest.py`.
"""

import datetime as dt
import io
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from eldercare.areas import services as areas
from eldercare.areas.models import Disbursement, FundAllocation
from eldercare.beds import services as beds
from eldercare.dashboards.selectors import area_rows
from eldercare.recipients.models import CapabilityAssessment, ConfirmationCard, EconomicCategory, Recipient
from eldercare.rollups.models import AreaProgress, ProviderAreaStats, RecipientProgress
from eldercare.visits import services as visits
from eldercare.visits.models import ExceptionType, PhotoKind, Visit, VisitConfirmation, VisitException, VisitStatus
from eldercare.visits.photos import visit_photo_add
from eldercare.visits.verification.contract import CONTRACT, reverify_visit_after_evidence
from tests.conftest import at, north_of
from tests.factories import make_resident_id

from .conftest import R_DAYS, TODAY, World, Writers, east_of
from .recompute import assert_matches_recompute, changed_parts, outcome
from .writes import admin_add, admin_change, admin_inline_add, admin_post, api_write, as_json, import_areas

PATHS = ("admin", "admin_inline", "admin_add", "admin_inline_add", "api", "api_add", "api_bulk", "import", "service")


@dataclass(frozen=True)
class Write:
    """One way to make the change, `do(world, writers)`, with its own set-up or expectation if it needs one."""

    do: Callable[[World, Writers], object]
    expect: Callable[[World], None] | None = None
    arrange: Callable[[World], None] | None = None


@dataclass(frozen=True)
class Recipe:
    change: str
    paths: dict[str, Write] = field(default_factory=dict)
    expect: Callable[[World], None] | None = None
    # What users see must stay as it was (DOMAIN.md says so); the expectation checks the value.
    unchanged_because: str = ""
    # No write path changes this field of a stored record.
    no_path_because: str = ""


def fresh(record):
    return type(record).objects.get(pk=record.pk)


# --- Writing the same change through each path --------------------------------------------------------


def edits(
    changes: Callable[[World], dict],
    *,
    admin: Callable | None = None,
    inline: Callable | None = None,
    api: Callable | None = None,
    service: Callable | None = None,
    api_extra: dict | None = None,
) -> dict[str, Write]:
    """The change `changes(world)` through each path given.

    `admin(w)`: the record whose change form is posted; `inline(w)`: (parent, formset prefix, record);
    `api(w)`: the URL to PATCH; `service(w, writers, changes)`: the service call.
    """
    paths = {}
    if admin:
        paths["admin"] = Write(lambda w, x: admin_change(x.admin, fresh(admin(w)), changes(w)))
    if inline:

        def by_inline(w, x):
            parent, prefix, record = inline(w)
            return admin_change(
                x.admin, fresh(parent), inline={(prefix, record.pk, name): value for name, value in changes(w).items()}
            )

        paths["admin_inline"] = Write(by_inline)
    if api:
        paths["api"] = Write(lambda w, x: api_write(x.api, "patch", api(w), {**changes(w), **(api_extra or {})}))
    if service:
        paths["service"] = Write(lambda w, x: service(w, x, changes(w)))
    return paths


def added(model, fields: Callable[[World], dict], *, expect=None) -> Write:
    """A new record through the admin's add page."""
    return Write(lambda w, x: admin_add(x.admin, model, fields(w)), expect=expect)


def inline_added(parent: Callable, prefix: str, fields: Callable[[World], dict], *, expect=None) -> Write:
    """A new row in an inline of the parent's change page."""
    return Write(lambda w, x: admin_inline_add(x.admin, fresh(parent(w)), prefix, fields(w)), expect=expect)


def api_created(url: str, body: Callable[[World], dict], *, expect=None) -> Write:
    return Write(lambda w, x: api_write(x.api, "post", url, body(w), expect=201), expect=expect)


def bulk_uploaded(item: Callable[[World], dict], *, expect=None) -> Write:
    """POST /api/v1/visits/bulk/ with one new visit."""

    def do(w, x):
        body = {"visits": [{"client_uuid": str(uuid.uuid4()), **as_json(item(w))}]}
        response = api_write(x.api, "post", "/api/v1/visits/bulk/", body)
        assert response.json()["summary"]["created"] == 1, response.json()
        return response

    return Write(do, expect=expect)


def recipient_edits(changes: Callable[[World], dict], *, api: bool = True) -> dict[str, Write]:
    return edits(
        changes,
        admin=lambda w: w.r,
        api=(lambda w: f"/api/v1/recipients/{w.r.pk}/") if api else None,
    )


def r_assessment(w: World):
    return w.r.assessments.get()


def assessment_edits(changes: Callable[[World], dict], *, inline: bool = True) -> dict[str, Write]:
    return edits(
        changes,
        admin=r_assessment,
        inline=(lambda w: (w.r, "assessments", r_assessment(w))) if inline else None,
    )


def assessment_created(recipient: str, assessed_on: str, level: str, expect=None) -> Write:
    """POST /api/v1/assessments/: a new assessment, the API's only write of assessments."""

    def do(w, x):
        data = {"recipient": getattr(w, recipient), "assessed_on": assessed_on, "level": level}
        return api_write(x.api, "post", "/api/v1/assessments/", {**data, "assessor_name": "评估员乙"}, expect=201)

    return Write(do, expect=expect)


def area_edits(changes: Callable[[World], dict]) -> dict[str, Write]:
    return edits(changes, admin=lambda w: w.area_a)


def area_imported(funds_arrived_on: str = "", *, arrange=None, expect=None, **targets) -> Write:
    """`manage.py import_pilot_areas` with one row for area A: a funds date sets the one-year cycle."""

    def do(w, x):
        return import_areas(x.tmp_path, fresh(w.area_a), funds_arrived_on=funds_arrived_on, **targets)

    return Write(do, expect=expect, arrange=arrange)


def batch_edits(changes: Callable[[World], dict]) -> dict[str, Write]:
    return edits(changes, admin=lambda w: w.batch)


def funds_edits(record: str, prefix: str, changes: Callable[[World], dict], *, inline: bool = True):
    """An allocation or a disbursement changed in its own admin and in the area's inline."""
    return edits(
        changes,
        admin=lambda w: getattr(w, record),
        inline=(lambda w: (w.area_a, prefix, getattr(w, record))) if inline else None,
    )


def _visit_update(visit: Callable[[World], Visit]):
    def service(w, x, changes):
        return visits.visit_update(visit=fresh(visit(w)), acting_user=x.user, reason="corrected", **changes)

    return service


def visit_edits(visit: Callable[[World], Visit], changes: Callable[[World], dict]) -> dict[str, Write]:
    """A visit changed in its admin form, by PATCH /api/v1/visits/<id>/ and by `visit_update`."""
    return edits(
        changes,
        admin=visit,
        api=lambda w: f"/api/v1/visits/{visit(w).pk}/",
        api_extra={"reason": "corrected"},
        service=_visit_update(visit),
    )


def bed_move(bed: str, *, to_status: str, form: dict, api_action: str, api: dict, service: Callable) -> dict:
    """A bed moved on through the admin's transition page, its API action, and its service."""

    def by_admin(w, x):
        url = reverse("admin:beds_familycarebed_transition", args=[getattr(w, bed).pk])
        return admin_post(x.admin, url, {"to_status": to_status, **form(w)})

    def by_api(w, x):
        return api_write(x.api, "post", f"/api/v1/beds/{getattr(w, bed).pk}/{api_action}/", api(w))

    def by_service(w, x):
        return service(bed=fresh(getattr(w, bed)), acting_user=x.user, **api(w))

    return {"admin": Write(by_admin), "api": Write(by_api), "service": Write(by_service)}


def visit_voided() -> dict[str, Write]:
    """R's visit of 1 August voided: the admin's void button, POST …/void/, `visit_void`."""

    def by_admin(w, x):
        return admin_post(
            x.admin, reverse("admin:visits_visit_void", args=[w.r_visits[0].pk]), {"reason": "未实际服务"}
        )

    def by_api(w, x):
        return api_write(x.api, "post", f"/api/v1/visits/{w.r_visits[0].pk}/void/", {"reason": "未实际服务"})

    def by_service(w, x):
        return visits.visit_void(visit=fresh(w.r_visits[0]), reason="未实际服务", acting_user=x.user)

    return {"admin": Write(by_admin), "api": Write(by_api), "service": Write(by_service)}


def far_checkin_accepted() -> dict[str, Write]:
    """The far check-in of 7 August accepted with reason code A01: the review action, the API, the service."""

    def exception(w):
        return VisitException.objects.get(visit=w.r_far, type=ExceptionType.FAR_CHECKIN)

    def by_admin(w, x):
        data = {
            "action": "accept_exceptions",
            "_selected_action": [exception(w).pk],
            "apply": "1",
            "reason_code": w.accept_code.pk,
            "note": "电话回访核实",
        }
        return admin_post(x.admin, reverse("admin:visits_visitexception_changelist"), data)

    def by_api(w, x):
        body = {"decision": "accept", "reason_code": w.accept_code.code, "note": "电话回访核实"}
        response = api_write(x.api, "post", f"/api/v1/exceptions/{exception(w).pk}/resolve/", body)
        assert response.json()["resolved"] == 1, response.json()
        return response

    def by_service(w, x):
        result = visits.exceptions_resolve(
            exception_ids=[exception(w).pk], decision="accept", reason_code=w.accept_code, acting_user=x.user
        )
        assert result.resolved == 1, result
        return result

    return {"admin": Write(by_admin), "api": Write(by_api), "service": Write(by_service)}


# --- What the tests look at ----------------------------------------------------------------------------


def counted(recipient) -> int:
    return RecipientProgress.objects.get(recipient=recipient).counted_visits


def holding(visit) -> set[str]:
    return set(fresh(visit).exceptions.filter(status__in=("open", "acknowledged")).values_list("type", flat=True))


def countable(visit) -> bool:
    return fresh(visit).is_countable


def area_figure(area, name: str):
    return getattr(AreaProgress.objects.get(area=area), name)


def r_visits_on(days) -> Callable[[World], list]:
    return lambda w: [visit for visit in w.r_visits if visit.service_date in days]


def every_r_visit(w: World) -> list:
    return [*w.r_visits, w.r_far]


def r_day_visits(w: World) -> list:
    return w.r_visits


def flagged(kind: str, visits_of: Callable[[World], list], *, r_counts: int | None = None):
    """These visits hold an exception of `kind` and do not count; R has `r_counts` counted visits."""

    def expect(w: World) -> None:
        for visit in visits_of(w):
            assert kind in holding(visit), (visit.service_date, holding(visit))
            assert not countable(visit), visit.service_date
        if r_counts is not None:
            assert counted(w.r) == r_counts

    return expect


def r_counts(number: int):
    def expect(w: World) -> None:
        assert counted(w.r) == number

    return expect


def area_a_figure(name: str, value):
    def expect(w: World) -> None:
        assert area_figure(w.area_a, name) == value

    return expect


def expect_r3_moved_to_area_a(w: World) -> None:
    assert RecipientProgress.objects.get(recipient=w.r3).area_id == w.area_a.pk
    assert (area_figure(w.area_a, "recipients"), area_figure(w.area_b, "recipients")) == (4, 0)


def expect_home_moved_east(w: World) -> None:
    flagged(ExceptionType.FAR_CHECKIN, r_day_visits)(w)
    assert countable(w.r_far)  # checked in 2 km east of the old home: at the new one
    assert counted(w.r) == 1


def expect_provider_q_serves_r(w: World) -> None:
    assert ProviderAreaStats.objects.get(area=w.area_a, provider=w.provider_q).recipients == 1
    assert ProviderAreaStats.objects.get(area=w.area_a, provider=w.provider_p).recipients == 2


def expect_r4_counts(w: World) -> None:
    assert countable(w.r4_visit)
    assert counted(w.r4) == 1


def expect_r2_long_visit_too_long(w: World) -> None:
    assert ExceptionType.TOO_LONG in holding(w.r2_long)
    assert counted(w.r2) == 1


def expect_a_person_time(w: World) -> None:
    assert RecipientProgress.objects.get(recipient=w.r).reached_on == dt.date(2023, 8, 5)
    assert area_figure(w.area_a, "person_times_reached") == 1


def expect_cycle_over_the_visits_again(w: World) -> None:
    assert not any(ExceptionType.OUTSIDE_CYCLE in holding(visit) for visit in every_r_visit(w))
    assert counted(w.r) == 6


def expect_cycle_from_4_august(w: World) -> None:
    flagged(ExceptionType.OUTSIDE_CYCLE, r_visits_on(R_DAYS[:3]), r_counts=3)(w)
    assert area_figure(w.area_a, "beds_accepted") == 0  # R2's bed was accepted on 20 July


def expect_satisfaction_target(w: World) -> None:
    row = next(row for row in area_rows(type(w.area_a).objects.all(), today=TODAY) if row.area.pk == w.area_a.pk)
    assert row.headline["satisfaction"].target == Decimal("99.5")


def expect_bed_withdrawn_still_counts(w: World) -> None:
    assert fresh(w.bed_accepted).status == "withdrawn"
    assert area_figure(w.area_a, "beds_accepted") == 1


def expect_funds_moved(name: str, amount: str):
    def expect(w: World) -> None:
        assert area_figure(w.area_a, name) == 0
        assert area_figure(w.area_b, name) == Decimal(amount)

    return expect


def expect_use_changed(record: str, name: str, amount: str):
    def expect(w: World) -> None:
        assert fresh(getattr(w, record)).use == "home_visits"
        assert area_figure(w.area_a, name) == Decimal(amount)

    return expect


def expect_r2_long_visit_counts_for_r3(w: World) -> None:
    assert fresh(w.r2_long).area_id == w.area_b.pk
    assert (counted(w.r2), counted(w.r3)) == (1, 1)
    assert area_figure(w.area_b, "counted_visits") == 1


def expect_far_visit_filed_under_q(w: World) -> None:
    assert ProviderAreaStats.objects.get(area=w.area_a, provider=w.provider_q).open_exceptions == 1


def expect_overlap(w: World) -> None:
    assert ExceptionType.CAREGIVER_OVERLAP in holding(w.r2_morning)
    assert ExceptionType.CAREGIVER_OVERLAP in holding(w.r_visits[1])
    assert (counted(w.r), counted(w.r2)) == (5, 1)


def expect_voided(w: World) -> None:
    assert fresh(w.r_visits[0]).status == VisitStatus.VOIDED
    assert counted(w.r) == 5


def expect_rated(w: World) -> None:
    progress = RecipientProgress.objects.get(recipient=w.r)
    assert (progress.rated_visits, progress.satisfied_visits) == (1, 1)


def expect_far_visit_accepted(w: World) -> None:
    assert countable(w.r_far)
    assert counted(w.r) == 7


def _set_cycle(start: dt.date, end: dt.date):
    def arrange(w: World) -> None:
        areas.pilot_area_save(area=fresh(w.area_a), funds_arrived_on=start, cycle_start=start, cycle_end=end)

    return arrange


def checkin(*, north: float = 100, east: float = 0) -> Callable[[World], dict]:
    """A check-in `north` metres north and `east` metres east of R's home."""

    def changes(w: World) -> dict:
        return {
            "checkin_latitude": north_of(w.r.home_latitude, north),
            "checkin_longitude": east_of(w.r.home_latitude, w.r.home_longitude, east),
        }

    return changes


def r_visit(index: int) -> Callable[[World], Visit]:
    return lambda w: w.r_visits[index]


def new_recipient(w: World) -> dict:
    return {
        "resident_id": make_resident_id(birth=dt.date(1950, 1, 1), sequence=903),
        "name": "新登记老人",
        "area": w.area_a,
        "economic_category": EconomicCategory.MINIMUM_ALLOWANCE,
        "provider": w.provider_p,
        "address": "北京市昌平区城北街道测试路2号",
        "home_latitude": w.r.home_latitude,
        "home_longitude": w.r.home_longitude,
    }


def intact_from_15_july(w: World) -> dict:
    return {"assessed_on": dt.date(2023, 7, 15), "level": "intact", "assessor_name": "评估员乙"}


def new_allocation(w: World) -> dict:
    return {"use": "home_visits", "amount": Decimal("2000000"), "document_number": "民财〔2023〕9号"}


def new_disbursement(w: World) -> dict:
    return {
        "paid_on": dt.date(2023, 8, 5),
        "amount": Decimal("50000"),
        "use": "beds",
        "payee": "测试养老服务中心",
        "voucher_number": "PZ-NEW-1",
    }


def new_visit(w: World) -> dict:
    """R's visit of 8 August, 09:00–10:00, at home, by caregiver C1: R's seventh counted day."""
    return {
        "recipient": w.r,
        "provider": w.provider_p,
        "caregiver": w.caregiver_1,
        "category": w.r_visits[0].category,
        "started_at": at(dt.date(2023, 8, 8), 9),
        "ended_at": at(dt.date(2023, 8, 8), 10),
        "checkin_latitude": w.r.home_latitude,
        "checkin_longitude": w.r.home_longitude,
    }


def new_visit_by_api(w: World) -> dict:
    return {**new_visit(w), "category": w.r_visits[0].category.code}


def batch_requires(name: str) -> Callable[[World], None]:
    def arrange(w: World) -> None:
        areas.batch_save(batch=fresh(w.batch), **{name: True})

    return arrange


def a_jpeg(name: str, shade: int) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (160, 120), (shade, 120, 80)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def start_photo_added() -> dict[str, Write]:
    """Photos required: R's visit of 1 August, whose end photo is stored, gets its start photo, through
    POST /api/v1/visits/<id>/photos/ and through `visit_photo_add`."""

    def arrange(w: World) -> None:
        batch_requires("photos_required")(w)
        visit_photo_add(visit=fresh(w.r_visits[0]), kind=PhotoKind.END, upload=a_jpeg("end.jpg", 10))

    def by_api(w, x):
        url = f"/api/v1/visits/{w.r_visits[0].pk}/photos/"
        response = x.api.post(url, {"kind": "start", "image": a_jpeg("start.jpg", 200)}, format="multipart")
        assert response.status_code == 201, response.content.decode()
        return response

    def by_service(w, x):
        upload = a_jpeg("start.jpg", 200)
        return visit_photo_add(visit=fresh(w.r_visits[0]), kind=PhotoKind.START, upload=upload, acting_user=x.user)

    return {"api_add": Write(by_api, arrange=arrange), "service": Write(by_service, arrange=arrange)}


def expect_photos_complete(w: World) -> None:
    assert ExceptionType.MISSING_PHOTO not in holding(w.r_visits[0])
    flagged(ExceptionType.MISSING_PHOTO, lambda w: w.r_visits[1:], r_counts=1)(w)


def visit_disputed() -> dict[str, Write]:
    """The older person answers on the confirmation page that R's visit of 1 August did not take place."""

    def by_service(w, x):
        # What the confirmation page's service does in its transaction.
        card = ConfirmationCard.objects.create(recipient=w.r, key=secrets.token_urlsafe(32))
        VisitConfirmation.objects.create(visit=fresh(w.r_visits[0]), card=card, took_place=False)
        return reverify_visit_after_evidence(w.r_visits[0].pk)

    return {"service": Write(by_service)}


# --- The table: every contract entry and how to change it ------------------------------------------

TWO_KM = 2000

RECIPES: dict[tuple[str, str], Recipe] = {
    ("recipients.recipient", "economic_category"): Recipe(
        "economic category set to none: none of R's visits is eligible",
        recipient_edits(lambda w: {"economic_category": "none"}),
        flagged(ExceptionType.NOT_ELIGIBLE, every_r_visit, r_counts=0),
    ),
    ("recipients.recipient", "birth_date"): Recipe(
        "the ID number corrected to a birth date of 1963-08-05: R is 59, not eligible, before 5 August",
        # The birth date follows from the ID number, which the API cannot change once recorded.
        recipient_edits(
            lambda w: {"resident_id": make_resident_id(birth=dt.date(1963, 8, 5), sequence=901)}, api=False
        ),
        flagged(ExceptionType.NOT_ELIGIBLE, r_visits_on(R_DAYS[:4]), r_counts=2),
    ),
    ("recipients.recipient", "area"): Recipe(
        # A served recipient's area cannot change (tests/contract/test_issue_cases.py); R3 has no visits yet.
        "R3, not yet served, moves from area B to area A: B's head count drops and A's rises",
        {
            **edits(
                lambda w: {"area": w.area_a},
                admin=lambda w: w.r3,
                api=lambda w: f"/api/v1/recipients/{w.r3.pk}/",
            ),
            # A new recipient: the household area changes from none to A.
            "admin_add": added(Recipient, new_recipient, expect=area_a_figure("recipients", 4)),
            "api_add": api_created("/api/v1/recipients/", new_recipient, expect=area_a_figure("recipients", 4)),
        },
        expect_r3_moved_to_area_a,
    ),
    ("recipients.recipient", "home_latitude"): Recipe(
        "the home moved 2 km north: the check-ins of 1–6 August are far from it",
        recipient_edits(lambda w: {"home_latitude": north_of(w.r.home_latitude, TWO_KM)}),
        flagged(ExceptionType.FAR_CHECKIN, r_day_visits, r_counts=0),
    ),
    ("recipients.recipient", "home_longitude"): Recipe(
        "the home moved 2 km east: the check-ins of 1–6 August are far, the one of 7 August is at home",
        recipient_edits(lambda w: {"home_longitude": east_of(w.r.home_latitude, w.r.home_longitude, TWO_KM)}),
        expect_home_moved_east,
    ),
    ("recipients.recipient", "provider"): Recipe(
        "R's provider becomes Q: the provider comparison of area A counts R under Q",
        recipient_edits(lambda w: {"provider": w.provider_q}),
        expect_provider_q_serves_r,
    ),
    ("recipients.capabilityassessment", "recipient"): Recipe(
        "a severe assessment filed under R4 (partially disabled): R4's visit counts",
        {
            # The assessment of R was filed under the wrong person; R4's moderate one dates from May.
            **edits(lambda w: {"recipient": w.r4}, admin=r_assessment),
            "api": assessment_created("r4", "2023-07-01", "severe"),
        },
        expect_r4_counts,
    ),
    ("recipients.capabilityassessment", "assessed_on"): Recipe(
        "the assessment in force only from 4 August: visits before it have none (or, through the API, "
        "a new one of 4 August says intact)",
        {
            **assessment_edits(lambda w: {"assessed_on": dt.date(2023, 8, 4)}),
            "api": assessment_created(
                "r", "2023-08-04", "intact", expect=flagged(ExceptionType.NOT_ELIGIBLE, r_visits_on(R_DAYS[3:]))
            ),
        },
        flagged(ExceptionType.NOT_ELIGIBLE, r_visits_on(R_DAYS[:3]), r_counts=3),
    ),
    ("recipients.capabilityassessment", "level"): Recipe(
        "R assessed as intact (from 15 July through the API): none of R's visits is eligible",
        {
            **assessment_edits(lambda w: {"level": "intact"}),
            "admin_add": added(CapabilityAssessment, lambda w: {"recipient": w.r, **intact_from_15_july(w)}),
            "admin_inline_add": inline_added(lambda w: w.r, "assessments", intact_from_15_july),
            "api": assessment_created("r", "2023-07-15", "intact"),
        },
        flagged(ExceptionType.NOT_ELIGIBLE, every_r_visit, r_counts=0),
    ),
    ("areas.pilotarea", "cycle_start"): Recipe(
        "the cycle starts on 4 August: earlier visits and R2's bed accepted in July fall outside it",
        {**area_edits(lambda w: {"cycle_start": dt.date(2023, 8, 4)}), "import": area_imported("2023-08-04")},
        expect_cycle_from_4_august,
    ),
    ("areas.pilotarea", "cycle_end"): Recipe(
        "the cycle ends on 3 August: later visits fall outside it (through the import, a cycle that "
        "ended on 3 August becomes the one from 1 July 2023)",
        {
            **area_edits(lambda w: {"cycle_end": dt.date(2023, 8, 3)}),
            "import": area_imported(
                "2023-07-01",
                arrange=_set_cycle(dt.date(2022, 8, 4), dt.date(2023, 8, 3)),
                expect=expect_cycle_over_the_visits_again,
            ),
        },
        flagged(ExceptionType.OUTSIDE_CYCLE, r_visits_on(R_DAYS[3:]), r_counts=3),
    ),
    ("areas.pilotarea", "target_beds"): Recipe(
        "the bed target becomes 10",
        {**area_edits(lambda w: {"target_beds": 10}), "import": area_imported(target_beds=10)},
        area_a_figure("target_beds", 10),
    ),
    ("areas.pilotarea", "target_person_times"): Recipe(
        "the person-time target becomes 1",
        {**area_edits(lambda w: {"target_person_times": 1}), "import": area_imported(target_person_times=1)},
        area_a_figure("target_person_times", 1),
    ),
    ("areas.pilotarea", "target_satisfaction"): Recipe(
        "the satisfaction target becomes 99.5 %",
        {
            **area_edits(lambda w: {"target_satisfaction": Decimal("99.5")}),
            "import": area_imported(target_satisfaction="99.5"),
        },
        expect_satisfaction_target,
    ),
    ("areas.batch", "min_visit_minutes"): Recipe(
        "the minimum visit length 30 → 90 minutes: every one-hour visit is too short",
        batch_edits(lambda w: {"min_visit_minutes": 90}),
        flagged(ExceptionType.TOO_SHORT, every_r_visit, r_counts=0),
    ),
    ("areas.batch", "max_visit_hours"): Recipe(
        "the maximum visit length 8 → 2 hours: R2's three-hour visit is too long",
        batch_edits(lambda w: {"max_visit_hours": 2}),
        expect_r2_long_visit_too_long,
    ),
    ("areas.batch", "checkin_radius_m"): Recipe(
        "the check-in radius 500 → 50 m: check-ins 100 m from home are far",
        batch_edits(lambda w: {"checkin_radius_m": 50}),
        flagged(ExceptionType.FAR_CHECKIN, r_day_visits, r_counts=0),
    ),
    ("areas.batch", "late_entry_days"): Recipe(
        "late entry after 7 → 0 days: visits entered the same evening are late",
        batch_edits(lambda w: {"late_entry_days": 0}),
        flagged(ExceptionType.LATE_ENTRY, every_r_visit, r_counts=0),
    ),
    ("areas.batch", "visits_include_partial_disability"): Recipe(
        "home visits for partially disabled people too: R4's visit counts",
        batch_edits(lambda w: {"visits_include_partial_disability": True}),
        expect_r4_counts,
    ),
    ("areas.batch", "photos_required"): Recipe(
        "visits need start and end photos: none of R's visits has them",
        batch_edits(lambda w: {"photos_required": True}),
        flagged(ExceptionType.MISSING_PHOTO, every_r_visit, r_counts=0),
    ),
    ("areas.batch", "confirmation_required"): Recipe(
        "visits need the older person's confirmation: none of R's visits is confirmed",
        batch_edits(lambda w: {"confirmation_required": True}),
        flagged(ExceptionType.UNCONFIRMED, every_r_visit, r_counts=0),
    ),
    ("areas.batch", "visits_per_person_time"): Recipe(
        "a person-time needs 30 → 5 visits: R, with 6 counted days, reaches one on 5 August",
        batch_edits(lambda w: {"visits_per_person_time": 5}),
        expect_a_person_time,
    ),
    ("beds.familycarebed", "status"): Recipe(
        "R2's bed, accepted on 20 July, is withdrawn",
        bed_move(
            "bed_accepted",
            to_status="withdrawn",
            form=lambda w: {"withdrawal_reason": "died", "withdrawn_on": "2023-08-09"},
            api_action="withdraw",
            api=lambda w: {"reason": "died", "withdrawn_on": dt.date(2023, 8, 9)},
            service=beds.bed_withdraw,
        ),
        expect_bed_withdrawn_still_counts,
        unchanged_because="DOMAIN.md: a bed counts when accepted within the cycle, whatever happens after",
    ),
    ("beds.familycarebed", "accepted_on"): Recipe(
        "R's bed is accepted on 9 August: two beds accepted in the cycle",
        bed_move(
            "bed_awaiting",
            to_status="accepted",
            form=lambda w: {"acceptance_provider": w.provider_p.pk, "accepted_on": "2023-08-09"},
            api_action="accept",
            api=lambda w: {"acceptance_provider": w.provider_p, "accepted_on": dt.date(2023, 8, 9)},
            service=beds.bed_accept,
        ),
        area_a_figure("beds_accepted", 2),
    ),
    ("beds.familycarebed", "area"): Recipe(
        "no change possible",
        no_path_because="set from the recipient by bed_apply; read-only in the admin, absent from the API",
    ),
    ("beds.familycarebed", "recipient"): Recipe(
        "no change possible",
        no_path_because="set by bed_apply; read-only in the admin, absent from the API",
    ),
    ("areas.fundallocation", "area"): Recipe(
        "the allocation was area B's",
        funds_edits("allocation", "allocations", lambda w: {"area": w.area_b}, inline=False),
        expect_funds_moved("funds_allocated", "10000000"),
    ),
    ("areas.fundallocation", "use"): Recipe(
        "the allocation was for home visits",
        funds_edits("allocation", "allocations", lambda w: {"use": "home_visits"}),
        expect_use_changed("allocation", "funds_allocated", "10000000"),
        unchanged_because="the roll-ups total funds over every use; the dashboard reads the uses from the records",
    ),
    ("areas.fundallocation", "amount"): Recipe(
        "the allocation becomes 12,000,000 yuan",
        {
            **funds_edits("allocation", "allocations", lambda w: {"amount": Decimal("12000000")}),
            # A new allocation of 2,000,000 for home visits.
            "admin_add": added(FundAllocation, lambda w: {"area": w.area_a, **new_allocation(w)}),
            "admin_inline_add": inline_added(lambda w: w.area_a, "allocations", new_allocation),
        },
        area_a_figure("funds_allocated", Decimal("12000000")),
    ),
    ("areas.disbursement", "area"): Recipe(
        "the disbursement was area B's",
        funds_edits("disbursement", "disbursements", lambda w: {"area": w.area_b}, inline=False),
        expect_funds_moved("funds_disbursed", "100000"),
    ),
    ("areas.disbursement", "use"): Recipe(
        "the disbursement was for home visits",
        funds_edits("disbursement", "disbursements", lambda w: {"use": "home_visits"}),
        expect_use_changed("disbursement", "funds_disbursed", "100000"),
        unchanged_because="the roll-ups total funds over every use; the dashboard reads the uses from the records",
    ),
    ("areas.disbursement", "amount"): Recipe(
        "the disbursement becomes 250,000 yuan",
        {
            **funds_edits("disbursement", "disbursements", lambda w: {"amount": Decimal("250000")}),
            # A new payment of 50,000 on 5 August.
            "admin_add": added(
                Disbursement,
                lambda w: {"area": w.area_a, **new_disbursement(w)},
                expect=area_a_figure("funds_disbursed", Decimal("150000")),
            ),
            "admin_inline_add": inline_added(
                lambda w: w.area_a,
                "disbursements",
                new_disbursement,
                expect=area_a_figure("funds_disbursed", Decimal("150000")),
            ),
        },
        area_a_figure("funds_disbursed", Decimal("250000")),
    ),
    ("areas.disbursement", "paid_on"): Recipe(
        "the disbursement is paid on 20 August, after today: nothing is disbursed yet",
        funds_edits("disbursement", "disbursements", lambda w: {"paid_on": dt.date(2023, 8, 20)}),
        area_a_figure("funds_disbursed", 0),
    ),
    ("visits.visit", "recipient"): Recipe(
        "R2's three-hour visit was R3's (area B)",
        {
            **visit_edits(lambda w: w.r2_long, lambda w: {"recipient": w.r3}),
            # A new visit: its recipient changes from none to R.
            "admin_add": added(Visit, new_visit, expect=r_counts(7)),
            "api_add": api_created("/api/v1/visits/", new_visit_by_api, expect=r_counts(7)),
            "api_bulk": bulk_uploaded(new_visit_by_api, expect=r_counts(7)),
        },
        expect_r2_long_visit_counts_for_r3,
    ),
    ("visits.visit", "provider"): Recipe(
        "R's far visit of 7 August was made by provider Q's caregiver: Q has its open exception",
        visit_edits(lambda w: w.r_far, lambda w: {"provider": w.provider_q, "caregiver": w.caregiver_q}),
        expect_far_visit_filed_under_q,
    ),
    ("visits.visit", "caregiver"): Recipe(
        "R2's visit of 2 August at 09:00 was caregiver C1's, who was with R at that hour",
        visit_edits(lambda w: w.r2_morning, lambda w: {"caregiver": w.caregiver_1}),
        expect_overlap,
    ),
    ("visits.visit", "started_at"): Recipe(
        "R's visit of 4 August started at 09:45: 15 minutes is too short",
        visit_edits(r_visit(3), lambda w: {"started_at": at(dt.date(2023, 8, 4), 9, 45)}),
        flagged(ExceptionType.TOO_SHORT, r_visits_on(R_DAYS[3:4]), r_counts=5),
    ),
    ("visits.visit", "ended_at"): Recipe(
        "R's visit of 5 August ended at 19:00: ten hours is too long",
        visit_edits(r_visit(4), lambda w: {"ended_at": at(dt.date(2023, 8, 5), 19)}),
        flagged(ExceptionType.TOO_LONG, r_visits_on(R_DAYS[4:5]), r_counts=5),
    ),
    ("visits.visit", "checkin_latitude"): Recipe(
        "R's visit of 6 August checked in 2 km north of home",
        visit_edits(r_visit(5), lambda w: {"checkin_latitude": checkin(north=TWO_KM)(w)["checkin_latitude"]}),
        flagged(ExceptionType.FAR_CHECKIN, r_visits_on(R_DAYS[5:]), r_counts=5),
    ),
    ("visits.visit", "checkin_longitude"): Recipe(
        "R's visit of 6 August checked in 2 km east of home",
        visit_edits(r_visit(5), lambda w: {"checkin_longitude": checkin(east=TWO_KM)(w)["checkin_longitude"]}),
        flagged(ExceptionType.FAR_CHECKIN, r_visits_on(R_DAYS[5:]), r_counts=5),
    ),
    ("visits.visit", "checkin_accuracy_m"): Recipe(
        "R's visit of 6 August reported an accuracy of 800 m, worse than the 500 m radius: imprecise",
        visit_edits(r_visit(5), lambda w: {"checkin_accuracy_m": 800}),
        flagged(ExceptionType.IMPRECISE_CHECKIN, r_visits_on(R_DAYS[5:]), r_counts=5),
    ),
    ("visits.visit", "status"): Recipe("R's visit of 1 August is voided", visit_voided(), expect_voided),
    ("visits.visit", "satisfaction"): Recipe(
        "R rated the visit of 1 August satisfied",
        visit_edits(r_visit(0), lambda w: {"satisfaction": "satisfied"}),
        expect_rated,
    ),
    ("visits.visit", "satisfaction_source"): Recipe(
        "R rated the visit of 1 August satisfied, recorded with the visit (its source: the caregiver)",
        visit_edits(r_visit(0), lambda w: {"satisfaction": "satisfied"}),
        expect_rated,
    ),
    ("visits.visitphoto", "kind"): Recipe(
        "photos required: R's visit of 1 August gets its start photo beside its end photo, and counts",
        start_photo_added(),
        expect_photos_complete,
    ),
    ("visits.visitconfirmation", "took_place"): Recipe(
        "the older person says R's visit of 1 August did not take place",
        visit_disputed(),
        flagged(ExceptionType.DISPUTED, r_visits_on(R_DAYS[:1]), r_counts=5),
    ),
    ("visits.visitexception", "status"): Recipe(
        "the far check-in of 7 August is accepted on review: the visit counts",
        far_checkin_accepted(),
        expect_far_visit_accepted,
    ),
}


def cases() -> list:
    return [
        pytest.param(entry, path, id=f"{entry[0]}.{entry[1]}-{path}")
        for entry, recipe in RECIPES.items()
        for path in PATHS
        if path in recipe.paths
    ]


def test_every_contract_entry_has_a_recipe_and_every_recipe_a_contract_entry():
    assert set(CONTRACT) - set(RECIPES) == set(), "add a mutation recipe to RECIPES for these contract rows"
    assert set(RECIPES) - set(CONTRACT) == set(), "these recipes name no contract row"


def test_every_recipe_is_written_through_some_path_or_says_why_none_exists():
    for entry, recipe in RECIPES.items():
        assert set(recipe.paths) <= set(PATHS), entry
        assert bool(recipe.paths) != bool(recipe.no_path_because), entry
        assert recipe.paths == {} or recipe.expect is not None or all(w.expect for w in recipe.paths.values()), entry


@pytest.mark.parametrize(("entry", "path"), cases())
def test_a_write_through_each_path_leaves_checks_and_figures_equal_to_a_recount(
    entry, path, world, writers, django_capture_on_commit_callbacks
):
    recipe, write = RECIPES[entry], RECIPES[entry].paths[path]
    if write.arrange:
        with django_capture_on_commit_callbacks(execute=True):
            write.arrange(world)
    assert_matches_recompute()
    before = outcome()

    with django_capture_on_commit_callbacks(execute=True):
        write.do(world, writers)

    assert_matches_recompute()
    after = outcome()
    (write.expect or recipe.expect)(world)
    if recipe.unchanged_because:
        assert changed_parts(before, after) == [], recipe.unchanged_because
    else:
        assert changed_parts(before, after), f"{recipe.change}: nothing users see has changed"
