"""The pages around the dashboards: the language switch everywhere, and error pages in Chinese."""

from django.template import loader
from django.urls import reverse

from eldercare.accounts.models import Role
from tests.factories import ProviderFactory


def test_the_login_page_and_the_admin_offer_the_language_switch(client, national_official):
    login = client.get(reverse("admin:login"), follow=True).content.decode()
    assert 'action="/i18n/setlang/"' in login and 'name="language"' in login
    client.force_login(national_official)
    for url in (reverse("admin:index"), reverse("dashboards:national"), reverse("exports:index")):
        page = client.get(url).content.decode()
        assert 'name="language"' in page, url
    assert "eldercare-version" in client.get(reverse("admin:index")).content.decode()  # the footer stays


def test_a_page_outside_the_scope_is_a_friendly_404_in_chinese_in_the_sites_layout(client, ahead, make_user):
    client.force_login(make_user(Role.PROVIDER_STAFF, provider=ProviderFactory()))
    response = client.get(reverse("dashboards:national"))
    page = response.content.decode()
    assert response.status_code == 404
    assert "该页面不存在，或超出了您的角色可查看的范围。" in page
    assert 'name="language"' in page and "注销" in page


def test_a_refusal_is_a_friendly_403_in_chinese_that_says_why(client, db, make_user):
    client.force_login(make_user(Role.PROVIDER_STAFF, provider=ProviderFactory()))
    response = client.get(reverse("exports:index"))
    page = response.content.decode()
    assert response.status_code == 403
    assert "您的角色无权进行此操作。" in page and "只有审计人员" in page


def test_the_500_page_renders_without_a_request_in_chinese():
    page = loader.get_template("500.html").render()
    assert "抱歉，系统出了问题" in page and "Sorry, something went wrong" in page
