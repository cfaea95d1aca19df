"""Enrolments in the admin: a list and a change page of their own, an inline on the person; adding and
ending go through `enrolment_create` / `enrolment_end` (their audit events, history and re-verification).
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from eldercare.accounts.models import Role
from eldercare.core.models import AuditEvent, RecountRequest
from eldercare.recipients.enrolments import enrolment_create, enrolment_end
from eldercare.recipients.models import Enrolment
from tests.enrolments.test_enrolment import second_batch_area
from tests.factories import BatchFactory, PilotAreaFactory, make_user

pytestmark = pytest.mark.django_db

ADD = reverse("admin:recipients_enrolment_add")
CHANGELIST = reverse("admin:recipients_enrolment_changelist")


def change_url(enrolment) -> str:
    return reverse("admin:recipients_enrolment_change", args=[enrolment.pk])


def recipient_url(person) -> str:
    return reverse("admin:recipients_recipient_change", args=[person.pk])


@pytest.fixture
def later(world):
    return second_batch_area(world.area)


def _overlapping(world):
    """The district again in a 2025 batch whose cycle overlaps the 2023 one by half a year."""
    return PilotAreaFactory(
        batch=BatchFactory(year=2025, name="2025年批次"),
        region=world.area.region,
        cycle_start=dt.date(2024, 1, 1),
        cycle_end=dt.date(2024, 12, 31),
    )


@pytest.fixture
def admin_client(client, world):
    client.force_login(make_user("enrolment-admin", is_staff=True, is_superuser=True))
    return client


def _value(value):
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return str(value)


def page_data(page) -> dict:
    """What the browser would send back for the page as shown: the main form and every inline's forms."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is not None and _value(value) is not None:
                data[form.add_prefix(name)] = _value(value)

    add(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in inline.formset.forms:
            add(form)
    return data


def _formset(page, verbose_name_plural: str):
    return next(
        inline.formset
        for inline in page.context["inline_admin_formsets"]
        if str(inline.opts.verbose_name_plural) == translation.gettext(verbose_name_plural)
    )


def _audit(enrolment, action) -> int:
    return AuditEvent.objects.filter(
        object_type="recipients.enrolment", object_id=str(enrolment.pk), action=action
    ).count()


def test_adding_an_enrolment_goes_through_enrolment_create(admin_client, world, later):
    person = world.person_a
    answer = admin_client.post(ADD, {"recipient": person.pk, "area": later.pk, "enrolled_on": "2024-06-20"})
    assert answer.status_code == 302, answer.context["adminform"].form.errors if answer.context else answer
    enrolment = Enrolment.objects.get(recipient=person, area=later)
    assert enrolment.enrolled_on == dt.date(2024, 6, 20)
    assert enrolment.created_by.username == "enrolment-admin"
    assert _audit(enrolment, AuditEvent.Action.CREATE) == 1
    with translation.override("zh-hans"):
        assert enrolment.history.get().history_change_reason == translation.gettext("Enrolled")
    # The service's own steps: the household enrolment written down first, the person's recount queued.
    assert set(person.enrolments.values_list("area", flat=True)) == {world.area.pk, later.pk}
    assert RecountRequest.objects.filter(reason="recipients.enrolment created").exists()


def test_an_overlapping_cycle_is_refused_on_the_form_and_nothing_is_written(admin_client, world, later):
    enrolment_create(recipient=world.person_a, area=world.area)
    overlapping = _overlapping(world)
    before = (Enrolment.objects.count(), AuditEvent.objects.count())
    answer = admin_client.post(ADD, {"recipient": world.person_a.pk, "area": overlapping.pk})
    assert answer.status_code == 200
    errors = answer.context["adminform"].form.errors
    assert "area" in errors and "重叠" in str(errors["area"])  # the service's message, in Chinese
    assert (Enrolment.objects.count(), AuditEvent.objects.count()) == before


def test_ending_goes_through_enrolment_end_and_the_rest_stays_read_only(admin_client, world, later):
    enrolment = enrolment_create(recipient=world.person_a, area=later, enrolled_on=dt.date(2024, 7, 1))
    page = admin_client.get(change_url(enrolment))
    form = page.context["adminform"].form
    assert set(form.fields) == {"ended_on", "end_reason"}  # who, where and since when are fixed
    data = page_data(page) | {"ended_on": "2024-09-30", "end_reason": "迁出本区", "area": str(world.area.pk)}
    assert admin_client.post(change_url(enrolment), data).status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.ended_on, enrolment.end_reason, enrolment.area) == (dt.date(2024, 9, 30), "迁出本区", later)
    assert _audit(enrolment, AuditEvent.Action.CHANGE) == 1
    assert RecountRequest.objects.filter(reason="recipients.enrolment ended").exists()
    # Ended, it is history: nothing of it is a field any more.
    assert not admin_client.get(change_url(enrolment)).context["adminform"].form.fields


def test_an_end_without_a_reason_or_before_the_start_is_refused_on_the_form(admin_client, world, later):
    enrolment = enrolment_create(recipient=world.person_a, area=later, enrolled_on=dt.date(2024, 7, 1))
    page = admin_client.get(change_url(enrolment))
    no_reason = admin_client.post(change_url(enrolment), page_data(page) | {"ended_on": "2024-09-30"})
    assert no_reason.status_code == 200 and "end_reason" in no_reason.context["adminform"].form.errors
    too_early = admin_client.post(
        change_url(enrolment), page_data(page) | {"ended_on": "2024-06-01", "end_reason": "去世"}
    )
    assert too_early.status_code == 200
    assert "2024-06-01" in str(too_early.context["adminform"].form.errors)
    enrolment.refresh_from_db()
    assert enrolment.ended_on is None and _audit(enrolment, AuditEvent.Action.CHANGE) == 0


def test_the_recipient_page_lists_each_batch_and_enrols_in_another(admin_client, world, later):
    person = world.person_a
    enrolment_create(recipient=person, area=world.area, enrolled_on=dt.date(2023, 7, 1))
    page = admin_client.get(recipient_url(person))
    shown = _formset(page, "enrolments (纳入) by batch")
    assert [form.instance.area for form in shown.forms] == [world.area]
    assert set(shown.forms[0].fields) >= {"ended_on", "end_reason"} and "area" not in shown.forms[0].fields
    adding = _formset(page, "enrol in another batch")
    data = page_data(page)
    data[f"{adding.prefix}-TOTAL_FORMS"] = "1"
    data[f"{adding.prefix}-0-area"] = str(later.pk)
    data[f"{adding.prefix}-0-enrolled_on"] = "2024-06-15"
    data[f"{adding.prefix}-0-recipient"] = str(person.pk)
    answer = admin_client.post(recipient_url(person), data)
    assert answer.status_code == 302, answer.context and [
        inline.formset.errors for inline in answer.context["inline_admin_formsets"]
    ]
    added = Enrolment.objects.get(recipient=person, area=later)
    assert added.created_by.username == "enrolment-admin" and _audit(added, AuditEvent.Action.CREATE) == 1
    again = admin_client.get(recipient_url(person))
    years = [form.instance.area.batch.year for form in _formset(again, "enrolments (纳入) by batch").forms]
    assert years == [2024, 2023]


def test_the_recipient_page_ends_an_enrolment_through_the_service(admin_client, world, later):
    person = world.person_a
    current = enrolment_create(recipient=person, area=world.area, enrolled_on=dt.date(2023, 7, 1))
    page = admin_client.get(recipient_url(person))
    shown = _formset(page, "enrolments (纳入) by batch")
    data = page_data(page)
    data[f"{shown.prefix}-0-ended_on"] = "2023-12-31"
    data[f"{shown.prefix}-0-end_reason"] = "去世"
    assert admin_client.post(recipient_url(person), data).status_code == 302
    current.refresh_from_db()
    assert (current.ended_on, current.end_reason) == (dt.date(2023, 12, 31), "去世")
    assert _audit(current, AuditEvent.Action.CHANGE) == 1


def test_a_refusal_in_the_inline_rolls_back_the_whole_page(admin_client, world, later):
    person = world.person_a
    enrolment_create(recipient=person, area=world.area, enrolled_on=dt.date(2023, 7, 1))
    page = admin_client.get(recipient_url(person))
    adding = _formset(page, "enrol in another batch")
    data = page_data(page) | {"name": "改名的人"}
    clash = _overlapping(world)
    data[f"{adding.prefix}-TOTAL_FORMS"] = "1"
    data[f"{adding.prefix}-0-area"] = str(clash.pk)
    data[f"{adding.prefix}-0-recipient"] = str(person.pk)
    answer = admin_client.post(recipient_url(person), data)
    assert answer.status_code == 200
    person.refresh_from_db()
    assert person.name != "改名的人" and person.enrolments.count() == 1


def test_the_list_filters_by_batch_and_area_and_searches_masked(admin_client, world, later):
    enrolment_create(recipient=world.person_a, area=world.area, enrolled_on=dt.date(2023, 7, 1))
    enrolment_create(recipient=world.person_b, area=world.area, enrolled_on=dt.date(2023, 7, 1))
    enrolment_end(
        enrolment=Enrolment.objects.get(recipient=world.person_a, area=world.area),
        ended_on=dt.date(2024, 6, 30),
        reason="周期结束",
    )
    enrolment_create(recipient=world.person_a, area=later, enrolled_on=dt.date(2024, 7, 1))

    def listed(**params):
        page = admin_client.get(CHANGELIST, params)
        assert page.status_code == 200
        return sorted((e.recipient_id, e.area.batch.year) for e in page.context["cl"].result_list), page

    everything, page = listed()
    assert len(everything) == 3
    body = page.content.decode()
    assert world.person_a.resident_id not in body and world.person_a.masked_resident_id in body
    assert listed(batch="2024")[0] == [(world.person_a.pk, 2024)]
    assert listed(area=str(world.area.pk))[0] == [(world.person_a.pk, 2023), (world.person_b.pk, 2023)]
    assert listed(q=world.person_b.name)[0] == [(world.person_b.pk, 2023)]
    assert listed(q=world.person_a.resident_id)[0] == [(world.person_a.pk, 2023), (world.person_a.pk, 2024)]
    assert listed(q=world.person_a.resident_id[:10])[0] == []  # a number is searched whole, never by fragment
    assert listed(ended_on__isempty="1", batch="2023")[0] == [(world.person_b.pk, 2023)]


def test_officials_see_their_areas_enrolments_only_and_auditors_change_nothing(client, world, later):
    mine = enrolment_create(recipient=world.person_a, area=world.area, enrolled_on=dt.date(2023, 7, 1))
    elsewhere = enrolment_create(recipient=world.person_b, area=later, enrolled_on=dt.date(2024, 7, 1))
    enrolment_end(enrolment=elsewhere, ended_on=dt.date(2024, 8, 1), reason="迁出")
    client.force_login(world.users[Role.DISTRICT_OFFICIAL])
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    listed = list(page.context["cl"].result_list)
    assert mine in listed and elsewhere not in listed
    assert client.get(change_url(elsewhere)).status_code == 404
    client.force_login(world.users[Role.AUDITOR])
    assert client.get(change_url(mine)).status_code == 200
    assert client.get(ADD).status_code == 403
    answer = client.post(change_url(mine), {"ended_on": "2023-12-31", "end_reason": "去世"})
    assert answer.status_code == 403
    mine.refresh_from_db()
    assert mine.ended_on is None
    client.force_login(world.users["street_b"])
    assert client.get(change_url(mine)).status_code == 404  # person A lives in the other township
