import datetime as dt

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from eldercare.fees.models import FeeSheet, LineDecision, SheetState
from eldercare.fees.services import fee_sheet_prepare
from eldercare.visits.models import Visit, VisitStatus
from tests.factories import USER_PASSWORD


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=USER_PASSWORD)
    return client


def sheet_of(world, provider=None):
    return fee_sheet_prepare(
        provider=provider or world.provider, area=world.area, month=dt.date(2023, 7, 1), user=world.official
    )


def test_an_official_prepares_decides_and_confirms_a_sheet_in_the_admin(world):
    client = client_for(world.official)
    response = client.post(
        reverse("admin:fees_feesheet_add"),
        {"apply": "1", "area": world.area.pk, "provider": world.provider.pk, "month": "2023-07-09", "unit_fee": "40"},
    )
    sheet = FeeSheet.objects.get()
    assert response.status_code == 302 and sheet.lines.count() == 3
    lines = reverse("admin:fees_feesheetline_changelist")
    first, *rest = sheet.lines.order_by("pk")
    client.post(lines, {"action": "confirm_lines", ACTION_CHECKBOX_NAME: [line.pk for line in rest]})
    client.post(
        lines,
        {"action": "void_lines", ACTION_CHECKBOX_NAME: [first.pk], "apply": "1", "reason": "duplicate", "note": ""},
    )
    assert sorted(sheet.lines.values_list("decision", flat=True)) == ["confirmed", "confirmed", "voided"]
    page = client.get(reverse("admin:fees_feesheet_change", args=[sheet.pk]))
    confirm_url = reverse("admin:fees_feesheet_confirm", args=[sheet.pk])
    assert confirm_url in page.content.decode()
    assert client.post(confirm_url, {"apply": "1"}).status_code == 302
    assert FeeSheet.objects.get(pk=sheet.pk).state == SheetState.CONFIRMED
    assert Visit.objects.get(pk=first.visit_id).status == VisitStatus.VOIDED
    assert Visit.objects.filter(pk__in=[line.visit_id for line in rest], fee_confirmed_at__isnull=False).count() == 2


def test_confirming_with_undecided_lines_shows_the_refusal_and_changes_nothing(world):
    sheet = sheet_of(world)
    response = client_for(world.official).post(reverse("admin:fees_feesheet_confirm", args=[sheet.pk]), {"apply": "1"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert FeeSheet.objects.get(pk=sheet.pk).state == SheetState.DRAFT
    assert set(sheet.lines.values_list("decision", flat=True)) == {LineDecision.PENDING}


def test_provider_staff_see_their_own_sheet_only_and_cannot_confirm_or_decide(world):
    own, other = sheet_of(world), sheet_of(world, world.other_provider)
    client = client_for(world.staff)
    assert client.get(reverse("admin:fees_feesheet_change", args=[own.pk])).status_code == 200
    assert client.get(reverse("admin:fees_feesheet_change", args=[other.pk])).status_code == 404
    listed = client.get(reverse("admin:fees_feesheet_changelist")).context["cl"].queryset
    assert list(listed.values_list("pk", flat=True)) == [own.pk]
    assert client.post(reverse("admin:fees_feesheet_confirm", args=[own.pk]), {"apply": "1"}).status_code == 403
    assert client.post(reverse("admin:fees_feesheet_confirm", args=[other.pk]), {"apply": "1"}).status_code == 404
    client.post(
        reverse("admin:fees_feesheetline_changelist"),
        {"action": "confirm_lines", ACTION_CHECKBOX_NAME: list(own.lines.values_list("pk", flat=True))},
    )
    assert set(own.lines.values_list("decision", flat=True)) == {LineDecision.PENDING}
    assert client.get(reverse("admin:fees_feesheet_add")).status_code == 403


def test_another_districts_official_cannot_see_the_sheet(world):
    from eldercare.accounts.models import Role
    from tests.factories import PilotAreaFactory, make_user

    stranger = make_user("elsewhere", Role.DISTRICT_OFFICIAL, area=PilotAreaFactory())
    sheet = sheet_of(world)
    client = client_for(stranger)
    assert client.get(reverse("admin:fees_feesheet_change", args=[sheet.pk])).status_code == 404
    assert client.post(reverse("admin:fees_feesheet_confirm", args=[sheet.pk]), {"apply": "1"}).status_code == 404
