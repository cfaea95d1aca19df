"""Token and session authentication; errors in Chinese by default and in English on request."""

from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from eldercare.api.exceptions import validation_error_detail
from eldercare.core.errors import DomainError
from tests.factories import USER_PASSWORD as PASSWORD

V1 = "/api/v1"


def test_a_token_is_issued_for_username_and_password_and_authenticates(provider_user, world):
    client = APIClient()
    response = client.post(f"{V1}/auth/token/", {"username": "p-staff", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    second = client.post(f"{V1}/auth/token/", {"username": "p-staff", "password": PASSWORD}).json()["token"]
    assert second != token  # each login (each device) gets its own token, revoked on its own
    for each in (token, second):
        client.credentials(HTTP_AUTHORIZATION=f"Token {each}")
        assert client.get(f"{V1}/visits/").json()["count"] == 1


def test_a_wrong_password_gets_no_token(provider_user):
    response = APIClient().post(f"{V1}/auth/token/", {"username": "p-staff", "password": "wrong"})
    assert response.status_code == 400
    assert "token" not in response.json()


def test_a_browser_session_reads_and_must_send_the_csrf_token_to_write(provider_user, world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(provider_user)
    assert client.get(f"{V1}/visits/").status_code == 200
    response = client.patch(f"{V1}/recipients/{world.recipient_a.pk}/", {"address": "x"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_errors_are_chinese_by_default_and_english_on_request(world, as_provider):
    chinese = as_provider.post(f"{V1}/visits/", {})
    english = as_provider.post(f"{V1}/visits/", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == english.status_code == 400
    assert english.json()["recipient"] == ["This field is required."]
    assert chinese.json()["recipient"] == ["该字段是必填项。"]


def test_model_validation_errors_follow_the_language_too(world, as_provider):
    # One assessment a recipient a day: the model's unique constraint, raised by full_clean in the service.
    body = {"recipient": world.recipient_a.pk, "assessed_on": "2023-06-01", "level": "severe", "assessor_name": "乙"}
    chinese = as_provider.post(f"{V1}/assessments/", body)
    english = as_provider.post(f"{V1}/assessments/", body, HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == english.status_code == 400
    assert "already exists" in english.json()["non_field_errors"][0]
    assert "已经存在" in chinese.json()["non_field_errors"][0]


def test_domain_errors_become_400_with_their_field(world, as_provider):
    bed = as_provider.post(f"{V1}/beds/", {"recipient": world.recipient_a.pk, "applied_on": "2023-07-10"}).json()
    again = as_provider.post(f"{V1}/beds/", {"recipient": world.recipient_a.pk, "applied_on": "2023-07-11"})
    assert bed["status"] == "applied"
    assert again.status_code == 400
    assert list(again.json()) == ["recipient"]


def test_the_handler_maps_domain_and_django_errors_to_drf_shapes():
    assert validation_error_detail(DomainError("broken", field="status")) == {"status": ["broken"]}
    assert validation_error_detail(DomainError("broken")) == {"non_field_errors": ["broken"]}
    assert validation_error_detail(ValidationError({"__all__": ["a"], "x": ["b"]})) == {
        "non_field_errors": ["a"],
        "x": ["b"],
    }
