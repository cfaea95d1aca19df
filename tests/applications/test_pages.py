"""The street officials' page (/applications/) and the admin: lists by state, filling in, the review forms,
the trail; another township's application answers 404; a refused step shows on the form, never a 5xx."""

from django.test import Client
from django.urls import reverse

from eldercare.accounts.models import Role
from eldercare.applications import services
from eldercare.applications.models import Application

from .conftest import REVIEW, approved


def browser(world, key) -> Client:
    client = Client()
    client.force_login(world.users[key])
    return client


def test_street_officials_land_on_their_applications(world):
    response = browser(world, "street_a").get(reverse("dashboards:landing"))
    assert response.status_code == 302 and response["Location"] == reverse("applications:page")


def test_the_page_lists_the_townships_applications_by_state_and_nothing_of_another_township(world):
    mine = approved(world)
    approved(world, person=world.person_b)
    page = browser(world, "street_a").get(reverse("applications:page"))
    assert page.status_code == 200
    content = page.content.decode()
    assert world.person_a.name in content and world.person_b.name not in content
    county_passed = next(group for group in page.context["groups"] if group.state == "county_passed")
    assert [application.pk for application in county_passed.applications] == [mine.pk]
    assert 'data-testid="create-form"' in content
    # The district official sees both, and no form to fill one in.
    page = browser(world, Role.DISTRICT_OFFICIAL).get(reverse("applications:page"))
    assert world.person_b.name in page.content.decode() and page.context["form"] is None


def test_filling_in_and_submitting_from_the_page(world):
    client = browser(world, "street_a")
    response = client.post(
        reverse("applications:page"),
        {"kind": "home_visits", "recipient": world.person_a.pk, "note": "独居", "submit": "1"},
    )
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("applications:detail", args=[application.pk])
    assert application.state == "submitted"
    response = client.post(
        reverse("applications:page"), {"kind": "family_care_bed", "recipient": world.person_a.pk, "draft": "1"}
    )
    assert Application.objects.get(kind="family_care_bed").state == "draft"


def test_a_person_of_another_township_is_not_offered_and_not_accepted(world):
    client = browser(world, "street_a")
    form = client.get(reverse("applications:page")).context["form"]
    assert list(form.fields["recipient"].queryset) == [world.person_a]
    response = client.post(reverse("applications:page"), {"kind": "home_visits", "recipient": world.person_b.pk})
    assert response.status_code == 200 and response.context["form"].errors["recipient"]
    assert not Application.objects.exists()


def test_reviewing_from_the_applications_page(world):
    application = services.application_create(
        kind="home_visits", recipient=world.person_a, user=world.users["street_a"], submit=True
    )
    client = browser(world, "street_a")
    detail = client.get(reverse("applications:detail", args=[application.pk]))
    assert detail.status_code == 200 and 'data-testid="step-street_review"' in detail.content.decode()
    response = client.post(
        reverse("applications:detail", args=[application.pk]),
        {"action": "street_review", "result": "fail", "reviewer_name": "王审核", "reviewer_title": "科长"},
    )
    assert response.status_code == 200  # a failed review needs its reason
    (form,) = [form for form in response.context["step_forms"] if form.errors]
    assert form.action == "street_review" and form.errors["opinion"]
    assert Application.objects.get(pk=application.pk).state == "submitted"
    response = client.post(
        reverse("applications:detail", args=[application.pk]),
        {"action": "street_review", "result": "fail", **REVIEW, "opinion": "低保证明缺失"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.state, application.street_opinion) == ("street_failed", "低保证明缺失")
    detail = client.get(reverse("applications:detail", args=[application.pk]))
    assert [row.action for row in application.steps.all()] == ["create", "submit", "street_review"]
    assert detail.content.decode().count('data-testid="trail-row"') == 3


def test_the_county_reviews_from_the_page_and_a_step_not_theirs_shows_as_an_error(world):
    application = services.application_create(
        kind="home_visits", recipient=world.person_a, user=world.users["street_a"], submit=True
    )
    district = browser(world, Role.DISTRICT_OFFICIAL)
    response = district.post(
        reverse("applications:detail", args=[application.pk]),
        {"action": "street_review", "result": "pass", **REVIEW},
    )
    assert response.status_code == 200
    assert any(form.non_field_errors() for form in response.context["step_forms"])
    services.application_transition(application, "street_review", world.users["street_a"], passed=True, **REVIEW)
    response = district.post(
        reverse("applications:detail", args=[application.pk]),
        {"action": "county_review", "result": "pass", "provider": world.provider.pk, **REVIEW},
    )
    assert response.status_code == 302
    assert Application.objects.get(pk=application.pk).state == "county_passed"


def test_control_characters_and_unknown_steps_are_refused_without_a_change(world):
    application = services.application_create(
        kind="home_visits", recipient=world.person_a, user=world.users["street_a"], submit=True
    )
    client = browser(world, "street_a")
    url = reverse("applications:detail", args=[application.pk])
    response = client.post(url, {"action": "street_review", "result": "pass", **REVIEW, "reviewer_name": "王\x00"})
    assert response.status_code == 200
    assert Application.objects.get(pk=application.pk).state == "submitted"
    assert client.post(url, {"action": "approve_all"}).status_code == 400
    assert client.get(reverse("applications:page"), {"q": "a\x01"}).status_code == 400


def test_another_townships_application_answers_404_on_the_page(world):
    application = approved(world)
    other = browser(world, "street_b")
    url = reverse("applications:detail", args=[application.pk])
    assert other.get(url).status_code == 404
    assert other.post(url, {"action": "reopen"}).status_code == 404


def test_roles_without_applications_and_anonymous_users_are_kept_out(world):
    assert browser(world, Role.CAREGIVER).get(reverse("applications:page")).status_code == 403
    response = Client().get(reverse("applications:page"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_admin_shows_the_trail_and_moves_the_application_a_step(world):
    application = services.application_create(
        kind="family_care_bed", recipient=world.person_a, user=world.users["street_a"], submit=True
    )
    services.application_transition(application, "street_review", world.users["street_a"], passed=True, **REVIEW)
    admin_client = browser(world, Role.DISTRICT_OFFICIAL)
    page = admin_client.get(reverse("admin:applications_application_change", args=[application.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    step_url = reverse("admin:applications_application_step", args=[application.pk])
    assert f"{step_url}?action=county_review" in content and "王审核" in content  # the button, the trail
    assert admin_client.get(step_url, {"action": "county_review"}).status_code == 200
    assert admin_client.get(step_url, {"action": "nonsense"}).status_code == 404
    response = admin_client.post(step_url, {"action": "county_review", "result": "pass", **REVIEW})
    assert response.status_code == 200 and response.context["form"].errors  # organisations missing
    response = admin_client.post(
        step_url,
        {
            "action": "county_review",
            "result": "pass",
            **REVIEW,
            "design_provider": world.provider.pk,
            "acceptance_provider": world.provider.pk,
        },
    )
    assert response.status_code == 302
    assert Application.objects.get(pk=application.pk).state == "county_passed"
    other = browser(world, "street_b")
    assert other.get(reverse("admin:applications_application_change", args=[application.pk])).status_code == 404
    assert other.get(step_url, {"action": "county_review"}).status_code == 404


def test_the_admin_fills_in_an_application_through_the_service(world):
    client = browser(world, "street_a")
    response = client.post(
        reverse("admin:applications_application_add"),
        {"kind": "home_visits", "recipient": world.person_a.pk, "area": world.area.pk, "note": "", "submit_now": "on"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    application = Application.objects.get()
    assert application.state == "submitted" and application.steps.count() == 2
