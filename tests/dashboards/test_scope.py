"""Who sees which dashboard: each role its own scope; anything outside it answers 404."""

import pytest
from django.urls import reverse

from eldercare.accounts.models import Role
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def area_url(code):
    return reverse("dashboards:area", kwargs={"area_code": code})


def province_url(code):
    return reverse("dashboards:province", kwargs={"province_code": code})


def test_a_district_official_opens_their_area_and_not_another(client, ahead, behind, make_user):
    client.force_login(make_user(Role.DISTRICT_OFFICIAL, area=ahead))
    assert client.get(area_url("110114")).status_code == 200
    assert client.get(area_url("120101")).status_code == 404
    assert client.get(area_url("999999")).status_code == 404


def test_a_district_official_has_no_province_view_and_sees_only_their_area_in_lists(client, ahead, behind, make_user):
    client.force_login(make_user(Role.DISTRICT_OFFICIAL, area=ahead))
    assert client.get(province_url("110000")).status_code == 404
    rows = client.get(reverse("dashboards:national")).context["overview"].rows
    assert [row.code for row in rows] == ["110114"]


def test_a_provincial_official_sees_only_their_provinces_areas(client, ahead, behind, beijing, tianjin, make_user):
    client.force_login(make_user(Role.PROVINCIAL_OFFICIAL, province=tianjin))
    response = client.get(province_url("120000"))
    assert response.status_code == 200
    assert [row.code for row in response.context["overview"].rows] == ["120101"]
    assert "昌平区" not in response.content.decode()
    assert client.get(province_url("110000")).status_code == 404  # a foreign province
    assert client.get(area_url("110114")).status_code == 404
    assert client.get(area_url("120101")).status_code == 200


def test_a_province_view_needs_a_province_code_not_an_area_code(client, ahead, national_official):
    client.force_login(national_official)
    assert client.get(province_url("110000")).status_code == 200
    assert client.get(province_url("110114")).status_code == 404


def test_national_officials_and_auditors_see_every_area(client, ahead, behind, national_official, make_user):
    for user in (national_official, make_user(Role.AUDITOR)):
        client.force_login(user)
        rows = client.get(reverse("dashboards:national")).context["overview"].rows
        assert [row.code for row in rows] == ["110114", "120101"]
        assert client.get(area_url("120101")).status_code == 200


def test_provider_staff_see_no_dashboard(client, ahead, make_user):
    provider = ProviderFactory()
    provider.areas.add(ahead)
    client.force_login(make_user(Role.PROVIDER_STAFF, provider=provider))
    assert client.get(area_url("110114")).status_code == 404
    assert client.get(reverse("dashboards:national")).status_code == 404
    assert client.get(province_url("110000")).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, ahead):
    response = client.get(area_url("110114"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize(
    ("role", "scope", "expected"),
    [
        (Role.NATIONAL_OFFICIAL, {}, "/dashboards/national/"),
        (Role.AUDITOR, {}, "/dashboards/national/"),
        (Role.PROVINCIAL_OFFICIAL, {"province": "beijing"}, "/dashboards/provinces/110000/"),
        (Role.DISTRICT_OFFICIAL, {"area": "ahead"}, "/dashboards/areas/110114/"),
        (Role.PROVIDER_STAFF, {"provider": "provider"}, "/provider/"),
    ],
)
def test_each_role_lands_on_the_view_of_its_scope(client, request, make_user, ahead, beijing, role, scope, expected):
    request.getfixturevalue("ahead")
    values = {
        name: ProviderFactory() if fixture == "provider" else request.getfixturevalue(fixture)
        for name, fixture in scope.items()
    }
    client.force_login(make_user(role, **values))
    response = client.get(reverse("dashboards:landing"))
    assert (response.status_code, response.url) == (302, expected)


def test_the_site_root_and_the_admin_login_lead_to_the_dashboards(client, national_official):
    assert client.get("/").url == reverse("dashboards:landing")
    login = client.get(reverse("admin:login"))
    assert login.status_code == 302
    assert login.url == reverse("admin:login") + "?next=%2Fdashboards%2F"
    national_official.set_password("a-long-password-1")
    national_official.save()
    response = client.post(
        login.url, {"username": national_official.username, "password": "a-long-password-1", "next": "/dashboards/"}
    )
    assert response.status_code == 302
    assert response.url == "/dashboards/"
    assert client.get(response.url).url == "/dashboards/national/"
