"""Each resource: list, detail and write, through the same services as the admin."""

import datetime as dt
import uuid

from eldercare.beds.models import BedStatus, FamilyCareBed
from eldercare.providers.models import Caregiver
from eldercare.recipients.models import CapabilityAssessment, Recipient
from eldercare.rollups.services import recount_recipients
from eldercare.visits.models import ExceptionStatus, Visit, VisitException, VisitStatus
from tests.factories import RetrofitCatalogItemFactory, make_resident_id

V1 = "/api/v1"


def test_areas_list_and_detail_by_area_code_carry_progress_for_officials(world, as_district, as_provider):
    recount_recipients([world.recipient_a.pk])
    listed = as_district.get(f"{V1}/areas/").json()
    assert [row["area_code"] for row in listed["results"]] == [world.area_a.region.code]
    detail = as_district.get(f"{V1}/areas/{world.area_a.region.code}/").json()
    assert detail["id"] == world.area_a.pk
    assert detail["progress"]["counted_visits"] == 1
    # A provider sees the areas it serves, not their totals.
    assert as_provider.get(f"{V1}/areas/{world.area_a.region.code}/").json()["progress"] is None


def test_recipients_show_a_masked_id_eligibility_and_progress(world, as_provider):
    recount_recipients([world.recipient_a.pk])
    page = as_provider.get(f"{V1}/recipients/").json()
    assert page["count"] == 1
    row = page["results"][0]
    resident_id = world.recipient_a.resident_id
    assert row["masked_resident_id"] == f"{resident_id[:6]}********{resident_id[-4:]}"
    assert resident_id not in str(page)
    assert row["eligibility_today"]["eligible"] is True
    assert row["progress"]["counted_visits"] == 1
    assert row["progress"]["visits_per_person_time"] == 30


def test_a_provider_registers_a_recipient_and_the_id_number_gives_birth_date_and_sex(world, as_provider):
    resident_id = make_resident_id(birth=dt.date(1950, 5, 6), sequence=457)
    response = as_provider.post(
        f"{V1}/recipients/",
        {
            "resident_id": resident_id,
            "name": "新老人",
            "area": world.area_a.pk,
            "provider": world.provider_p.pk,
            "economic_category": "minimum_allowance",
            "address": "测试路2号",
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["birth_date"] == "1950-05-06"
    recipient = Recipient.objects.get(resident_id=resident_id)
    assert recipient.history.first().history_user.username == "p-staff"


def test_a_recipient_left_without_the_providers_own_provider_is_refused_and_not_saved(world, as_provider):
    resident_id = make_resident_id(birth=dt.date(1950, 5, 6), sequence=458)
    response = as_provider.post(
        f"{V1}/recipients/",
        {
            "resident_id": resident_id,
            "name": "无机构老人",
            "area": world.area_a.pk,
            "economic_category": "minimum_allowance",
            "address": "测试路3号",
        },
    )
    assert response.status_code == 403
    assert not Recipient.objects.filter(resident_id=resident_id).exists()


def test_a_recipient_younger_than_60_is_refused_with_the_models_message(world, as_provider):
    response = as_provider.post(
        f"{V1}/recipients/",
        {
            "resident_id": make_resident_id(birth=dt.date(1990, 1, 1), sequence=459),
            "name": "年轻人",
            "area": world.area_a.pk,
            "provider": world.provider_p.pk,
            "economic_category": "minimum_allowance",
            "address": "测试路4号",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "60 or older" in response.json()["resident_id"][0]


def test_a_recipient_can_be_updated_but_keeps_the_id_number(world, as_provider):
    response = as_provider.patch(f"{V1}/recipients/{world.recipient_a.pk}/", {"address": "新地址"})
    assert response.status_code == 200
    world.recipient_a.refresh_from_db()
    assert world.recipient_a.address == "新地址"


def test_an_assessment_is_recorded_through_the_service_and_rechecks_visits(world, as_provider):
    response = as_provider.post(
        f"{V1}/assessments/",
        {
            "recipient": world.recipient_a.pk,
            "assessed_on": "2023-07-20",
            "level": "intact",
            "assessor_name": "评估员乙",
        },
    )
    assert response.status_code == 201, response.json()
    assert as_provider.get(f"{V1}/assessments/{response.json()['id']}/").json()["level"] == "intact"
    assert len(as_provider.get(f"{V1}/assessments/").json()["results"]) == 2
    # The visit on 2023-08-01 is now outside eligibility: the service re-checked it.
    assert VisitException.objects.filter(visit=world.visit_a, type="not_eligible", status="open").exists()


def test_an_assessment_on_the_same_day_is_refused(world, as_provider):
    response = as_provider.post(
        f"{V1}/assessments/",
        {"recipient": world.recipient_a.pk, "assessed_on": "2023-06-01", "level": "severe", "assessor_name": "乙"},
    )
    assert response.status_code == 400
    assert CapabilityAssessment.objects.filter(recipient=world.recipient_a).count() == 1


def test_providers_are_listed_and_changed_by_officials(world, as_district, as_provider):
    assert [row["id"] for row in as_district.get(f"{V1}/providers/").json()["results"]] == [world.provider_p.pk]
    assert as_provider.get(f"{V1}/providers/{world.provider_p.pk}/").json()["name"] == world.provider_p.name
    changed = as_district.patch(f"{V1}/providers/{world.provider_p.pk}/", {"contact_name": "张三"})
    assert changed.status_code == 200
    assert changed.json()["contact_name"] == "张三"
    assert as_provider.patch(f"{V1}/providers/{world.provider_p.pk}/", {"contact_name": "李四"}).status_code == 403


def test_an_official_changing_areas_keeps_the_providers_areas_outside_its_scope(world, as_district):
    world.provider_p.areas.add(world.area_b)
    response = as_district.patch(f"{V1}/providers/{world.provider_p.pk}/", {"areas": [world.area_a.pk]})
    assert response.status_code == 200
    assert set(world.provider_p.areas.values_list("pk", flat=True)) == {world.area_a.pk, world.area_b.pk}


def test_provider_staff_add_a_caregiver_to_their_own_provider_only(world, as_provider):
    created = as_provider.post(
        f"{V1}/caregivers/", {"provider": world.provider_p.pk, "name": "新护理员", "employee_number": "N001"}
    )
    assert created.status_code == 201, created.json()
    assert Caregiver.objects.filter(provider=world.provider_p, employee_number="N001").exists()
    foreign = as_provider.post(
        f"{V1}/caregivers/", {"provider": world.provider_q.pk, "name": "外人", "employee_number": "N002"}
    )
    assert foreign.status_code == 400
    assert not Caregiver.objects.filter(employee_number="N002").exists()
    assert as_provider.get(f"{V1}/caregivers/{world.caregiver_p.pk}/").status_code == 200


def test_a_bed_goes_through_its_lifecycle_one_post_per_move(world, as_provider):
    RetrofitCatalogItemFactory()
    applied = as_provider.post(f"{V1}/beds/", {"recipient": world.recipient_a.pk, "applied_on": "2023-07-10"})
    assert applied.status_code == 201, applied.json()
    bed = applied.json()["id"]
    p = world.provider_p.pk
    steps = [
        ("plan", {"design_provider": p, "plan_signed_on": "2023-07-11"}),
        ("start-retrofit", {"retrofit_provider": p, "started_on": "2023-07-12"}),
        ("items", {"catalog_item": "grab-bar", "room": "bathroom", "cost": "300.00"}),
        ("finish-retrofit", {"finished_on": "2023-07-20"}),
        ("accept", {"acceptance_provider": p, "accepted_on": "2023-07-25"}),
        ("start-service", {"started_on": "2023-07-26", "platform_account": "acc-1"}),
    ]
    for path, body in steps:
        response = as_provider.post(f"{V1}/beds/{bed}/{path}/", body)
        assert response.status_code in (200, 201), (path, response.json())
    detail = as_provider.get(f"{V1}/beds/{bed}/").json()
    assert detail["status"] == BedStatus.IN_SERVICE
    assert [item["catalog_item"] for item in detail["items"]] == ["grab-bar"]


def test_an_illegal_bed_move_answers_400_and_changes_nothing(world, as_provider):
    bed = as_provider.post(f"{V1}/beds/", {"recipient": world.recipient_a.pk, "applied_on": "2023-07-10"}).json()
    response = as_provider.post(
        f"{V1}/beds/{bed['id']}/accept/", {"acceptance_provider": world.provider_p.pk, "accepted_on": "2023-07-25"}
    )
    assert response.status_code == 400
    assert "status" in response.json()
    assert FamilyCareBed.objects.get(pk=bed["id"]).status == BedStatus.APPLIED


def test_a_visit_is_logged_changed_and_voided_through_the_services(world, as_provider):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "recipient": world.recipient_a.pk,
        "caregiver": world.caregiver_p.pk,
        "category": world.category.code,
        "items": [world.item.code],
        "started_at": "2023-08-02T08:00:00+08:00",
        "ended_at": "2023-08-02T09:00:00+08:00",
        "checkin_latitude": str(world.recipient_a.home_latitude),
        "checkin_longitude": str(world.recipient_a.home_longitude),
    }
    created = as_provider.post(f"{V1}/visits/", body)
    assert created.status_code == 201, created.json()
    visit = created.json()
    assert visit["provider"] == world.provider_p.pk
    assert visit["items"] == [world.item.code]
    assert visit["counts"] is True and visit["count_reasons"] == []

    changed = as_provider.patch(
        f"{V1}/visits/{visit['id']}/", {"ended_at": "2023-08-02T08:10:00+08:00", "reason": "时间录错"}
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["counts"] is False  # now shorter than 30 minutes
    assert Visit.objects.get(pk=visit["id"]).history.first().history_change_reason == "时间录错"

    voided = as_provider.post(f"{V1}/visits/{visit['id']}/void/", {"reason": "重复录入"})
    assert voided.status_code == 200
    assert voided.json()["status"] == VisitStatus.VOIDED
    assert as_provider.get(f"{V1}/visits/{visit['id']}/").json()["counts"] is False


def test_the_visit_list_leaves_out_the_counting_decision_and_filters(world, as_national):
    page = as_national.get(f"{V1}/visits/", {"recipient": world.recipient_a.pk}).json()
    assert [row["id"] for row in page["results"]] == [world.visit_a.pk]
    assert "counts" not in page["results"][0]


def test_an_official_resolves_an_exception_and_the_visit_counts(world, as_district, as_provider):
    from tests.api.conftest import log

    late = log(world.recipient_a, world.caregiver_p, world.category, day=dt.date(2023, 7, 2))
    exception = VisitException.objects.get(visit=late, type="late_entry")
    listed = as_district.get(f"{V1}/exceptions/", {"status": "open"}).json()
    assert exception.pk in [row["id"] for row in listed["results"]]
    # The review belongs to officials: the provider may read, not resolve.
    refused = as_provider.post(f"{V1}/exceptions/{exception.pk}/resolve/", {"decision": "accept", "reason_code": "A01"})
    assert refused.status_code == 403
    response = as_district.post(
        f"{V1}/exceptions/{exception.pk}/resolve/", {"decision": "accept", "reason_code": "A01", "note": "电话核实"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["exception"]["status"] == ExceptionStatus.ACCEPTED
    late.refresh_from_db()
    assert late.is_countable


def test_page_size_is_capped_at_500_and_ordering_applies(world, as_national):
    page = as_national.get(f"{V1}/visits/", {"page_size": 10000, "ordering": "id"}).json()
    assert [row["id"] for row in page["results"]] == sorted([world.visit_a.pk, world.visit_b.pk])
    assert as_national.get(f"{V1}/visits/", {"page_size": 1}).json()["next"] is not None
