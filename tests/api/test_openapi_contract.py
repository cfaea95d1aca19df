"""The OpenAPI contract tells API users the truth: one content type for the token endpoint, every 4xx an
operation can give declared with its body, descriptions written for them (not the code's docstrings),
in Chinese by default and in English on request."""

import inspect
import re

import pytest
from django.urls import get_resolver

CJK = re.compile(r"[\u4e00-\u9fff]")
ERROR = "#/components/schemas/Error"
VALIDATION_ERROR = "#/components/schemas/ValidationError"
INTERNAL = re.compile(r"through `|`\w+_(create|update|record|apply|resolve|void|ingest|issue)`|selector|queryset")


def schema(client, **headers) -> dict:
    response = client.get("/api/schema/", {"format": "json"}, **headers)
    assert response.status_code == 200
    return response.json()


def operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


@pytest.fixture
def chinese(client, db):
    return schema(client)


@pytest.fixture
def english(client, db):
    return schema(client, HTTP_ACCEPT_LANGUAGE="en")


def test_the_token_endpoint_takes_json_only(chinese):
    token = chinese["paths"]["/api/v1/auth/token/"]["post"]
    assert list(token["requestBody"]["content"]) == ["application/json"]
    assert "security" not in token  # no login needed to log in
    assert set(token["responses"]) == {"200", "400", "415", "429"}
    # Every body is JSON, except the photo uploads: an image goes as multipart/form-data, nothing else.
    uploads = {"/api/v1/visits/{id}/photos/", "/api/v1/beds/{id}/photos/"}
    for path, method, operation in operations(chinese):
        content_types = list(operation.get("requestBody", {}).get("content", {}))
        if path in uploads and method == "post":
            assert content_types == ["multipart/form-data"], (method, path, content_types)
        else:
            assert all(content_type == "application/json" for content_type in content_types), (method, path)


def test_every_operation_declares_its_4xx_answers_with_the_error_bodies(chinese):
    assert {"Error", "ValidationError"} <= set(chinese["components"]["schemas"])
    assert chinese["components"]["schemas"]["Error"]["required"] == ["detail"]
    counted = 0
    for path, method, operation in operations(chinese):
        responses = operation["responses"]
        expected = {"400", "429"}
        if operation.get("security"):
            expected |= {"401", "403"}
        if method == "get" or "{" in path:
            expected.add("404")
        if "requestBody" in operation:
            expected.add("415")
        assert expected <= set(responses), (method, path, sorted(responses))
        for code in expected:
            body = responses[code]["content"]["application/json"]["schema"]["$ref"]
            assert body == (VALIDATION_ERROR if code == "400" else ERROR), (method, path, code)
            assert CJK.search(responses[code]["description"]), (method, path, code)
        assert "Retry-After" in responses["429"]["headers"]
        counted += 1
    assert counted >= 40


def _docstrings() -> set[str]:
    """Every docstring of the API's views and their methods: notes for the code's readers."""
    found, views = set(), set()

    def walk(resolver):
        for entry in resolver.url_patterns:
            if hasattr(entry, "url_patterns"):
                walk(entry)
            else:
                callback = entry.callback
                views.add(getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback)

    walk(get_resolver())
    for view in views:
        if view is None or not getattr(view, "__module__", "").startswith("eldercare."):
            continue
        for _name, member in inspect.getmembers(view):
            doc = inspect.getdoc(member) if callable(member) else None
            if doc:
                found.add(doc.strip())
        if inspect.getdoc(view):
            found.add(inspect.getdoc(view).strip())
    return found


def test_descriptions_are_written_for_api_users_not_taken_from_docstrings(chinese, english):
    docstrings = _docstrings()
    assert docstrings  # the check below looks at something
    english_operations = {(path, method): operation for path, method, operation in operations(english)}
    for path, method, operation in operations(chinese):
        in_english = english_operations[(path, method)]
        for key in ("summary", "description"):
            assert operation.get(key), (method, path, key)
            assert CJK.search(operation[key]), (method, path, key)  # Chinese first
            assert in_english[key] != operation[key], (method, path, key)  # English on request
            assert in_english[key].strip() not in docstrings, (method, path, key)
            # No names of the code's functions (`visit_create`, "through `bed_apply`"), as docstrings have.
            assert not INTERNAL.search(in_english[key]), (method, path, key)
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                continue
            assert parameter.get("description"), (method, path, parameter["name"])
    assert CJK.search(chinese["info"]["description"]) and not CJK.search(
        english["info"]["description"].replace("居家和社区基本养老服务提升行动", "")
    )


def test_english_by_query_parameter_too(client, db, english):
    by_parameter = client.get("/api/schema/", {"format": "json", "lang": "en"}).json()
    assert by_parameter["paths"]["/api/v1/visits/bulk/"]["post"]["summary"] == "Upload visits in bulk"
    assert english["paths"]["/api/v1/visits/bulk/"]["post"]["summary"] == "Upload visits in bulk"


def test_the_schema_names_no_type_after_a_translated_label(chinese):
    """Generated clients name types after schema titles: a parameter's must not change with the language."""
    for path, method, operation in operations(chinese):
        for parameter in operation.get("parameters", []):
            assert "title" not in parameter.get("schema", {}), (method, path, parameter["name"])


def test_ids_in_filters_are_integers(chinese):
    parameters = {p["name"]: p for p in chinese["paths"]["/api/v1/visits/"]["get"]["parameters"]}
    for name in ("recipient", "caregiver", "provider", "area"):
        assert parameters[name]["schema"]["type"] == "integer", name


def test_bodies_carry_no_docstrings_either(chinese):
    """A serializer's docstring (how its queryset must be prefetched, say) is not for API users."""
    described = {name for name, component in chinese["components"]["schemas"].items() if "description" in component}
    assert described - {"Error", "ValidationError"} == {name for name in described if name.endswith("Enum")}
