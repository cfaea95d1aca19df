import pytest
from django.urls import reverse

from eldercare.core.errors import DomainError
from eldercare.exports.models import ExportJob, ExportStatus
from eldercare.exports.services import export_request, export_run
from tests.exports.conftest import NOW_DAY, report_rows


def test_an_area_auditor_exports_only_their_area(world):
    report, rows = report_rows("visits", world.other_auditor, NOW_DAY)
    assert [row[0] for row in rows] == [world.visits["other"].pk]
    report, rows = report_rows("recipients", world.area_auditor, NOW_DAY)
    assert {row[0] for row in rows} == {world.r1.pk, world.r2.pk}


def test_a_scope_outside_the_users_is_refused_as_if_it_did_not_exist(world):
    with pytest.raises(DomainError):
        report_rows("visits", world.other_auditor, NOW_DAY, level="area", code="110114")
    with pytest.raises(DomainError):
        report_rows("visits", world.other_auditor, NOW_DAY, level="province", code="110000")
    with pytest.raises(DomainError):
        report_rows("visits", world.other_auditor, NOW_DAY, level="provider", code=world.provider.credit_code)


def test_a_provider_scope_narrows_the_ledgers_to_that_provider(world):
    code = world.other_provider.credit_code
    report, rows = report_rows("visits", world.auditor, NOW_DAY, level="provider", code=code)
    assert [row[0] for row in rows] == [world.visits["other"].pk]


def test_provider_staff_cannot_export(world, client):
    with pytest.raises(DomainError):
        export_request(user=world.provider_staff, kind="visits", fmt="csv", scope_level="national", as_of=NOW_DAY)
    client.force_login(world.provider_staff)
    assert client.get(reverse("exports:index")).status_code == 403


def test_another_users_export_answers_404_on_every_page(world, client):
    job = export_run(
        export_request(user=world.auditor, kind="visits", fmt="xlsx", scope_level="national", as_of=NOW_DAY).pk
    )
    client.force_login(world.area_auditor)
    for name in ("detail", "status", "download"):
        assert client.get(reverse(f"exports:{name}", kwargs={"pk": job.pk})).status_code == 404
    client.force_login(world.provider_staff)
    assert client.get(reverse("exports:download", kwargs={"pk": job.pk})).status_code == 404


def test_an_export_whose_scope_the_user_lost_answers_404(world, client):
    job = export_run(
        export_request(
            user=world.area_auditor, kind="visits", fmt="csv", scope_level="area", scope_code="110114", as_of=NOW_DAY
        ).pk
    )
    client.force_login(world.area_auditor)
    assert client.get(reverse("exports:download", kwargs={"pk": job.pk})).status_code == 200
    assignment = world.area_auditor.role_assignment
    assignment.area = world.other_area
    assignment.save()
    client.force_login(world.area_auditor)
    assert client.get(reverse("exports:download", kwargs={"pk": job.pk})).status_code == 404


def test_a_job_whose_requester_lost_the_scope_before_it_ran_fails(world):
    job = export_request(
        user=world.area_auditor, kind="visits", fmt="csv", scope_level="area", scope_code="110114", as_of=NOW_DAY
    )
    assignment = world.area_auditor.role_assignment
    assignment.area = world.other_area
    assignment.save()
    job = export_run(job.pk)
    assert job.status == ExportStatus.FAILED and not job.file


def test_an_as_of_date_in_the_future_is_refused(world):
    import datetime as dt

    with pytest.raises(DomainError):
        export_request(
            user=world.auditor, kind="visits", fmt="csv", scope_level="national", as_of=NOW_DAY + dt.timedelta(days=1)
        )
    assert not ExportJob.objects.exists()


def test_the_exports_page_offers_the_levels_and_places_each_role_reaches(world, client):
    from eldercare.accounts.models import Role
    from eldercare.exports.selectors import scope_choices
    from tests.factories import make_user

    national = scope_choices(world.auditor)
    assert [level for level, _label in national.levels] == ["national", "province", "area", "provider"]
    assert [code for code, _label in national.provinces] == ["110000", "310000"]
    assert [code for code, _label in national.areas] == ["110114", "310101"]
    assert national.fixed is None
    beijing = make_user("beijing", Role.PROVINCIAL_OFFICIAL, province=world.area.region.parent)
    provincial = scope_choices(beijing)
    assert [level for level, _label in provincial.levels] == ["province", "area", "provider"]
    assert provincial.provinces == [("110000", "北京市（110000）")]
    assert [code for code, _label in provincial.areas] == ["110114"]
    assert [name for _code, name in provincial.providers] == ["昌平养老服务中心"]
    district = scope_choices(world.area_auditor)
    assert district.fixed == ("area", "110114", "昌平区（110114）")
    # Whatever a district's form posts, the export covers their area.
    client.force_login(world.area_auditor)
    form = {"kind": "beds", "format": "xlsx", "scope_level": "national", "area": "310101", "as_of": "2023-10-01"}
    response = client.post(reverse("exports:index"), form | {"purpose": "核对"})
    job = ExportJob.objects.get()
    assert (response.status_code, job.scope_level, job.scope_code) == (200, "area", "110114")
