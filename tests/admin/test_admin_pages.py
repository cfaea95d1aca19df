"""The admin: every registered model's pages render, and writes go through the services."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from eldercare.accounts.models import Role
from eldercare.beds import services as bed_services
from eldercare.beds.models import BedPhoto, BedStatus, FamilyCareBed, RetrofitItem, WithdrawalReason
from eldercare.core.admin import HistoryAdmin
from eldercare.exports.models import ExportJob
from eldercare.recipients.models import CapabilityLevel, EconomicCategory, Recipient
from eldercare.rollups.services import recompute_all
from eldercare.visits.models import ReviewReasonCode, Visit, VisitException
from eldercare.visits.verification import verify_visits
from tests.factories import (
    AssessmentFactory,
    CaregiverFactory,
    DisbursementFactory,
    FundAllocationFactory,
    PilotAreaFactory,
    ProviderFactory,
    RecipientFactory,
    RetrofitCatalogItemFactory,
    RetrofitItemFactory,
    ServiceItemFactory,
    VisitFactory,
    make_user,
)

APPLIED_ON = dt.date(2023, 7, 10)


def eligible_recipient(area, provider):
    recipient = RecipientFactory(area=area, provider=provider)
    AssessmentFactory(recipient=recipient, assessed_on=dt.date(2023, 6, 1), level=CapabilityLevel.SEVERE)
    return recipient


def bed_in(status: str, area, provider) -> FamilyCareBed:
    """A bed walked through the services up to `status`, the way the admin moves it."""
    bed = bed_services.bed_apply(recipient=eligible_recipient(area, provider), applied_on=APPLIED_ON)
    steps = [
        (BedStatus.ASSESSED, lambda b: bed_services.bed_record_plan(
            bed=b, design_provider=provider, plan_signed_on=dt.date(2023, 7, 20))),
        (BedStatus.RETROFITTING, lambda b: bed_services.bed_start_retrofit(
            bed=b, retrofit_provider=provider, started_on=dt.date(2023, 8, 1))),
        (BedStatus.AWAITING_ACCEPTANCE, lambda b: (
            RetrofitItemFactory(bed=b), bed_services.bed_finish_retrofit(bed=b, finished_on=dt.date(2023, 8, 20)))[1]),
        (BedStatus.ACCEPTED, lambda b: bed_services.bed_accept(
            bed=b, acceptance_provider=provider, accepted_on=dt.date(2023, 9, 1))),
        (BedStatus.IN_SERVICE, lambda b: bed_services.bed_start_service(bed=b, started_on=dt.date(2023, 9, 5))),
    ]  # fmt: skip
    if status == BedStatus.WITHDRAWN:
        return bed_services.bed_withdraw(bed=bed, reason=WithdrawalReason.MOVED, withdrawn_on=dt.date(2023, 7, 15))
    for step_status, step in steps:
        if bed.status == status:
            break
        bed = step(bed)
        assert bed.status == step_status
    return bed


@pytest.fixture
def world(db):
    """A small world with one of everything, and a bed in each lifecycle state."""
    area = PilotAreaFactory(is_demo=True)
    FundAllocationFactory(area=area)
    DisbursementFactory(area=area)
    provider = ProviderFactory()
    caregiver = CaregiverFactory(provider=provider)
    RetrofitCatalogItemFactory()
    beds = {status: bed_in(status, area, provider) for status in BedStatus.values}
    BedPhoto.objects.create(
        bed=beds[BedStatus.ACCEPTED],
        stage=BedPhoto.Stage.BEFORE,
        image=SimpleUploadedFile("before.jpg", b"not really a jpeg", content_type="image/jpeg"),
    )
    item = ServiceItemFactory()
    visit = VisitFactory(recipient=beds[BedStatus.IN_SERVICE].recipient, provider=provider, caregiver=caregiver)
    visit.items.add(item)
    verify_visits([visit.pk])  # entered today, long after 2023-07-01: flagged as a late entry
    assert VisitException.objects.filter(visit=visit).exists()
    ReviewReasonCode.objects.create(code="A01", label="电话回访核实", decision="accept")
    recompute_all()  # a row in every roll-up table
    user = make_user("district-official", Role.DISTRICT_OFFICIAL, area=area)
    ExportJob.objects.create(requester=user, kind="progress", format="csv", scope_level="area", as_of=APPLIED_ON)
    Group.objects.create(name="district officials")
    from eldercare.accounts.tokens import token_issue

    token_issue(user=user)  # an API token (administrators list and revoke them)
    from eldercare.applications.services import application_create
    from eldercare.areas.models import Township

    township = Township.objects.create(region=area.region, code=f"{area.region.code}001", name="测试街道")
    applicant = eligible_recipient(area, provider)
    applicant.township = township
    applicant.save()
    application_create(kind="home_visits", recipient=applicant, user=None)  # an application with its trail
    from eldercare.confirmations.services import card_issue
    from eldercare.visits.confirmation import visit_confirm

    card = card_issue(recipient=visit.recipient)  # the older person's card, and an answer by it
    visit_confirm(visit=visit, card=card, took_place=True, rating="satisfied", today=visit.service_date)
    from eldercare.fees.services import fee_sheet_prepare

    visit.provider.areas.add(visit.area)  # the provider serves the area whose month it is paid for
    fee_sheet_prepare(provider=visit.provider, area=visit.area, month=visit.service_date, user=None)  # with lines
    from eldercare.recipients.enrolments import enrolment_create

    enrolment_create(recipient=applicant, area=area, enrolled_on=APPLIED_ON)  # an enrolment (纳入) in a batch
    return {
        "area": area,
        "provider": provider,
        "caregiver": caregiver,
        "beds": beds,
        "item": item,
        "visit": visit,
        "recipient": eligible_recipient(area, provider),
    }


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_registered_model_has_a_changelist_an_add_page_and_a_change_page(admin_client, world, rf):
    request = rf.get("/")
    request.user = User.objects.get(is_superuser=True)
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label == "axes":
            continue  # django-axes' own log of login attempts; tested by django-axes
        obj = model._default_manager.first()
        assert obj is not None, f"the test world has no {model.__name__}"
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200, model
        # Derived rows (roll-ups, exceptions) are never added by hand: their add page refuses.
        adds = model_admin.has_add_permission(request)
        assert admin_client.get(admin_url(model, "add")).status_code == (200 if adds else 403), model
        assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200, model
        if isinstance(model_admin, HistoryAdmin):
            assert admin_client.get(admin_url(model, "history", obj.pk)).status_code == 200, model


def test_the_change_page_of_a_bed_in_every_state_renders(admin_client, world):
    for status, bed in world["beds"].items():
        response = admin_client.get(admin_url(FamilyCareBed, "change", bed.pk))
        assert response.status_code == 200, status
        assert admin_client.get(admin_url(FamilyCareBed, "transition", bed.pk)).status_code == 200, status


def test_the_bed_change_page_links_only_to_the_allowed_moves(admin_client, world):
    bed = world["beds"][BedStatus.APPLIED]
    content = admin_client.get(admin_url(FamilyCareBed, "change", bed.pk)).content.decode()
    transition = admin_url(FamilyCareBed, "transition", bed.pk)
    assert f"{transition}?to_status=assessed" in content
    assert f"{transition}?to_status=withdrawn" in content
    assert f"{transition}?to_status=accepted" not in content


def test_the_bed_status_is_not_editable_on_the_change_page(admin_client, world):
    bed = world["beds"][BedStatus.APPLIED]
    response = admin_client.get(admin_url(FamilyCareBed, "change", bed.pk))
    form = response.context["adminform"].form
    assert "status" not in form.fields
    assert "accepted_on" not in form.fields


def test_a_bed_moves_from_applied_to_assessed_through_the_transition_view(admin_client, world):
    bed = world["beds"][BedStatus.APPLIED]
    response = admin_client.post(
        admin_url(FamilyCareBed, "transition", bed.pk),
        {"to_status": "assessed", "design_provider": world["provider"].pk, "plan_signed_on": "2023-07-20"},
    )
    assert response.status_code == 302
    bed.refresh_from_db()
    assert bed.status == BedStatus.ASSESSED
    assert bed.design_provider == world["provider"]
    assert bed.plan_signed_on == dt.date(2023, 7, 20)
    assert bed.history.first().history_user is not None


def test_an_illegal_bed_move_shows_an_error_and_changes_nothing(admin_client, world):
    bed = world["beds"][BedStatus.APPLIED]
    response = admin_client.post(
        admin_url(FamilyCareBed, "transition", bed.pk),
        {"to_status": "accepted", "acceptance_provider": world["provider"].pk, "accepted_on": "2023-09-01"},
    )
    assert response.status_code == 200
    assert "to_status" in response.context["form"].errors
    assert "请更正" in response.content.decode()  # Django's own "Please correct the error below."
    bed.refresh_from_db()
    assert bed.status == BedStatus.APPLIED
    assert bed.accepted_on is None


def test_a_move_the_service_refuses_shows_its_message_on_the_field_it_names(admin_client, world):
    bed = world["beds"][BedStatus.APPLIED]
    with translation.override("en"):
        response = admin_client.post(
            admin_url(FamilyCareBed, "transition", bed.pk),
            {"to_status": "assessed", "design_provider": world["provider"].pk, "plan_signed_on": "2023-07-01"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "plan_signed_on" in errors
    assert "before" in errors["plan_signed_on"][0]
    bed.refresh_from_db()
    assert bed.status == BedStatus.APPLIED
    assert bed.plan_signed_on is None


def test_a_move_missing_the_fields_it_needs_is_refused(admin_client, world):
    bed = world["beds"][BedStatus.IN_SERVICE]
    response = admin_client.post(admin_url(FamilyCareBed, "transition", bed.pk), {"to_status": "withdrawn"})
    assert response.status_code == 200
    assert {"withdrawal_reason", "withdrawn_on"} <= set(response.context["form"].errors)
    bed.refresh_from_db()
    assert bed.status == BedStatus.IN_SERVICE


def test_a_new_bed_is_an_application_made_through_the_service(admin_client, world):
    recipient = world["recipient"]
    response = admin_client.post(
        admin_url(FamilyCareBed, "add"), {"recipient": recipient.pk, "applied_on": "2023-07-12"}
    )
    assert response.status_code == 302
    bed = FamilyCareBed.objects.get(recipient=recipient)
    assert bed.status == BedStatus.APPLIED
    assert bed.area == recipient.area


def test_a_bed_for_an_ineligible_recipient_is_refused_on_the_recipient_field(admin_client, world):
    recipient = RecipientFactory(area=world["area"], economic_category=EconomicCategory.NONE)
    response = admin_client.post(
        admin_url(FamilyCareBed, "add"), {"recipient": recipient.pk, "applied_on": "2023-07-12"}
    )
    assert response.status_code == 200
    assert "recipient" in response.context["adminform"].form.errors
    assert not FamilyCareBed.objects.filter(recipient=recipient).exists()


def visit_post(world, **overrides):
    data = {
        "recipient": world["recipient"].pk,
        "provider": world["provider"].pk,
        "caregiver": world["caregiver"].pk,
        "category": world["item"].category_id,
        "items": [world["item"].pk],
        "started_at_0": "2023-07-03",
        "started_at_1": "09:00:00",
        "ended_at_0": "2023-07-03",
        "ended_at_1": "10:00:00",
        "checkin_latitude": "40.220100",
        "checkin_longitude": "116.230100",
        "checkout_latitude": "",
        "checkout_longitude": "",
        "satisfaction": "satisfied",
        "note": "助洁一小时",
    }
    data.update(overrides)
    return data


def test_a_visit_is_logged_on_one_screen(admin_client, world):
    response = admin_client.post(admin_url(Visit, "add"), visit_post(world))
    assert response.status_code == 302, response.context["adminform"].form.errors
    visit = Visit.objects.get(recipient=world["recipient"])
    assert visit.area == world["area"]
    assert visit.service_date == dt.date(2023, 7, 3)
    assert list(visit.items.all()) == [world["item"]]
    assert visit.entered_by.is_superuser
    assert visit.checkin_latitude == Decimal("40.220100")


def test_a_visit_that_ends_before_it_starts_is_refused_on_ended_at(admin_client, world):
    response = admin_client.post(admin_url(Visit, "add"), visit_post(world, ended_at_1="08:00:00"))
    assert response.status_code == 200
    assert "ended_at" in response.context["adminform"].form.errors
    assert not Visit.objects.filter(recipient=world["recipient"]).exists()


def test_a_visit_is_changed_through_the_service_with_its_reason(admin_client, world):
    visit = world["visit"]
    data = visit_post(
        world,
        recipient=visit.recipient_id,
        started_at_0="2023-07-01",
        ended_at_0="2023-07-01",
        ended_at_1="10:30:00",
        change_reason="caregiver left later",
    )
    # Two days after the visit, well before the batch locks it.
    with time_machine.travel(dt.datetime(2023, 7, 3, 12, tzinfo=timezone.get_default_timezone())):
        response = admin_client.post(admin_url(Visit, "change", visit.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    visit.refresh_from_db()
    assert visit.duration_minutes == 90
    assert visit.history.filter(history_change_reason="caregiver left later").exists()


def test_the_delete_view_of_a_visit_is_refused_and_the_row_remains(admin_client, world):
    visit = world["visit"]
    url = admin_url(Visit, "delete", visit.pk)
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert Visit.objects.filter(pk=visit.pk).exists()


def test_evidence_has_no_delete_permission(admin_client, world, rf):
    request = rf.get("/")
    request.user = User.objects.get(is_superuser=True)
    for model in [
        "beds.FamilyCareBed",
        "beds.RetrofitItem",
        "visits.Visit",
        "visits.VisitException",
        "recipients.Recipient",
        "recipients.CapabilityAssessment",
        "areas.Disbursement",
    ]:
        model_admin = next(ma for m, ma in admin.site._registry.items() if m._meta.label == model)
        assert not model_admin.has_delete_permission(request), model


def test_the_recipient_list_shows_the_masked_id_number(admin_client, world):
    recipient = world["recipient"]
    content = admin_client.get(admin_url(type(recipient), "changelist")).content.decode()
    assert recipient.masked_resident_id in content
    assert recipient.resident_id not in content


def test_the_area_list_marks_demo_data(admin_client, world):
    with translation.override("en"):
        content = admin_client.get(
            admin_url(type(world["area"]), "changelist"), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert "示例" in content


def test_the_visit_list_makes_no_query_per_row(admin_client, world):
    url = admin_url(Visit, "changelist")
    admin_client.get(url)  # warm up sessions and content types
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for _ in range(20):
        VisitFactory(recipient=world["recipient"], provider=world["provider"], caregiver=world["caregiver"])
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(many) == len(few)


def test_pages_render_in_chinese(admin_client, world):
    response = admin_client.get(admin_url(Visit, "changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "增加" in response.content.decode()


def test_a_locked_visit_can_be_viewed_but_not_changed(admin_client, world):
    visit = world["visit"]  # on 2023-07-01: long past the 95-day lock
    response = admin_client.get(admin_url(Visit, "change", visit.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert admin_client.post(admin_url(Visit, "change", visit.pk), visit_post(world)).status_code == 403


@pytest.mark.parametrize("model", [FamilyCareBed, Recipient, RetrofitItem], ids=lambda m: m.__name__)
def test_a_list_makes_the_same_number_of_queries_for_one_row_or_many(admin_client, world, model):
    url = admin_url(model, "changelist")
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for status in [BedStatus.IN_SERVICE] * 5:
        RetrofitItemFactory(bed=bed_in(status, world["area"], world["provider"]))
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url)
    assert len(many) == len(few)
