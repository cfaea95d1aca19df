"""Generated, not hand-listed: every writable field of every write path gets the hostile values.

- API: the write operations come from the URL resolver through the OpenAPI generator, their fields
  from each operation's request serializer (bulk items through the nested item serializer).
- Admin: every registered ModelAdmin's add and change form, its fields from the form class.

Each field gets the values its type cannot take (`hostile_api_values`, `hostile_form_values`): NUL
and other control characters, overlong text, times outside the window in odd UTC offsets, dates
no arithmetic survives, wrong types and deep nesting. The answer is a 400 naming the field (a
rejected bulk item naming it, a form error on it), never a 5xx, and nothing is stored.
"""

import datetime as dt
import json
import re
import uuid

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.db.models import Max
from django.http import QueryDict
from django.test import Client, RequestFactory
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from rest_framework import relations, serializers
from rest_framework.test import APIClient

from eldercare.accounts.models import Role
from eldercare.api.serializers import is_multiline
from eldercare.core.input_policy import MAX_JSON_DEPTH, NOTE_MAX_LENGTH
from tests.conftest import at

NOW = at(dt.date(2023, 8, 2), 10)
CONTROL = ["x\x00y", "x\x1by", "x\x85y", "\ud800"]  # NUL, ESC, a C1 control, a lone surrogate
DEEP = ["x"]
for _level in range(6):  # deep, yet within the body's depth limit: the field itself must refuse it
    DEEP = [DEEP]
BAD_TIMES = [
    "1900-07-20T09:00:00+08:00",
    "2100-07-20T09:00:00+08:00",
    "9999-12-31T23:59:59-12:00",  # after year 9999 in UTC
    "0001-01-01T00:00:00+14:00",  # before year 1 in UTC
    "2023-07-20T09:00:00+24:00",  # no such offset
    "2023-07-20T09:00:00\x00+08:00",
]
BAD_DATES = ["9999-12-31", "0001-01-01", "2023-02-30", "2023-07-01\x00"]
TOKEN_PATH = "/api/v1/auth/token/"
ROLES = [Role.PROVIDER_STAFF, Role.NATIONAL_OFFICIAL, Role.DISTRICT_OFFICIAL, Role.STREET_OFFICIAL]
COUNTS = {"api fields": 0, "api values": 0, "admin fields": 0, "admin values": 0}


@pytest.fixture(autouse=True)
def during_the_cycle(time_machine):
    time_machine.move_to(NOW)


# --- What is stored: every table's row count and newest id (a write always adds a history row) --------


def stored_state() -> dict:
    state = {}
    for model in apps.get_models():
        if model._meta.app_label in {"sessions", "axes", "admin"} or not model._meta.managed:
            continue
        rows = model._base_manager.all()
        state[model._meta.label] = (rows.count(), rows.aggregate(newest=Max("pk"))["newest"])
    return state


# --- The API ---------------------------------------------------------------------------------------------


def takes_multipart_only(view) -> bool:
    """Uploads (photos) parse multipart bodies only: their hostile values go as form fields."""
    media_types = [parser.media_type for parser in view.get_parsers()]
    return bool(media_types) and all(media_type.startswith("multipart/") for media_type in media_types)


def write_operations() -> list[tuple[str, str, serializers.BaseSerializer, bool]]:
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    operations = []
    for path, path_regex, method, view in generator._get_paths_and_endpoints():
        if method not in {"POST", "PUT", "PATCH"} or not path.startswith("/api/v1/"):
            continue
        view.request = spectacular_settings.GET_MOCK_REQUEST(method, path, view, None)
        view.schema.get_operation(path, path_regex, spectacular_settings.SCHEMA_PATH_PREFIX, method, generator.registry)
        serializer = view.schema.get_request_serializer()
        if isinstance(serializer, dict):  # declared per media type (uploads: multipart/form-data)
            [serializer] = set(serializer.values())
        serializer = serializer() if isinstance(serializer, type) else serializer
        operations.append((method, path, serializer, takes_multipart_only(view)))
    return operations


def hostile_api_values(field: serializers.Field) -> list:
    """Values this DRF field must refuse, whatever else the request holds."""
    common = [{"$gt": ""}, DEEP, *CONTROL]
    if isinstance(field, serializers.ManyRelatedField | serializers.ListField):
        return ["not a list", [{"a": 1}], DEEP, [CONTROL[0]], [CONTROL[3]]]
    if isinstance(field, relations.PrimaryKeyRelatedField):
        return [*common, "abc", 1.5, True, 2**70, -1, "1\x00", "²"]
    if isinstance(field, serializers.BooleanField):
        return [*common, "maybe", 2]
    if isinstance(field, serializers.DateTimeField):
        return [*common, *BAD_TIMES, 1690000000]
    if isinstance(field, serializers.DateField):
        return [*common, *BAD_DATES, 20230101]
    if isinstance(field, serializers.IntegerField):
        return [*common, "abc", 1.5, 2**70, -(2**70), True]
    if isinstance(field, serializers.DecimalField):
        return [*common, "NaN", "Infinity", 1e308, True]
    if isinstance(field, serializers.UUIDField):
        return [*common, "not-a-uuid", 1.5]
    if isinstance(field, serializers.ChoiceField):
        return [*common, "x" * 10_000, 12345, True]
    if isinstance(field, serializers.CharField):
        line_breaks = [] if is_multiline(field) else ["a\tb", "a\nb"]
        return [*common, *line_breaks, "长" * ((field.max_length or 100_000) + 1), True]
    return [*common, "x" * 10_000, True]


def is_form_text(value) -> bool:
    """A value a multipart form can carry: text that encodes as UTF-8 (a lone surrogate cannot)."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def writable(serializer) -> dict:
    return {name: field for name, field in serializer.fields.items() if not field.read_only}


def path_objects(world) -> dict:
    own = world.own
    return {
        "visits": own.visit.pk,
        "exceptions": own.exception.pk,
        "beds": own.bed.pk,
        "recipients": own.recipient.pk,
        "providers": own.provider.pk,
        "caregivers": own.caregiver.pk,
        "assessments": own.assessment.pk,
        "applications": own.application.pk,
    }


def valid_bulk_item(world) -> dict:
    """An item the bulk upload would store: each hostile value replaces one of its fields."""
    return {
        "client_uuid": str(uuid.uuid4()),
        "recipient": world.own.recipient.pk,
        "caregiver": world.own.caregiver.pk,
        "category": world.own.visit.category.code,
        "started_at": "2023-07-20T09:00:00+08:00",
        "ended_at": "2023-07-20T10:00:00+08:00",
    }


def api_client(world, role) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.users[role])
    return client


def probe_role(world, method: str, url: str, multipart: bool = False):
    """The first role whose request reaches validation (a 400 for an unknown field), or None."""
    for role in ROLES:
        client = api_client(world, role)
        if multipart:
            answer = client.post(url, {"zz_probe": "1"}, format="multipart")
        else:
            answer = client.generic(method, url, '{"zz_probe": 1}', content_type="application/json")
        if answer.status_code == 400:
            return role
    return None


def call(client, method: str, url: str, body, multipart: bool = False) -> tuple[int, object]:
    if multipart:
        answer = client.post(url, body, format="multipart", HTTP_ACCEPT_LANGUAGE="en")
    else:
        answer = client.generic(
            method, url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
        )
    assert answer.status_code < 500, (method, url, body, answer.content[:300])
    return answer.status_code, answer.json() if answer.content else None


def test_every_writable_api_field_refuses_the_hostile_values_by_name(world):
    operations = write_operations()
    assert len(operations) >= 20
    objects = path_objects(world)
    for method, path, serializer, multipart in operations:
        url = re.sub(r"\{\w+\}", lambda _match, p=path: str(objects[p.split("/")[3]]), path)
        role = probe_role(world, method, url, multipart)
        assert role is not None, f"no role reaches the validation of {method} {path}"
        client = api_client(world, role)
        # The token endpoint (DRF's own serializer, owned elsewhere) must not fail; naming is not yet checked.
        names_the_field = path != TOKEN_PATH
        before = stored_state()
        for name, field in writable(serializer).items():
            if isinstance(field, serializers.ListSerializer):  # bulk: each item's fields, item by item
                for item_name, item_field in writable(field.child).items():
                    COUNTS["api fields"] += 1
                    for value in hostile_api_values(item_field):
                        COUNTS["api values"] += 1
                        item = {**valid_bulk_item(world), item_name: value}
                        status, body = call(client, method, url, {name: [item]})
                        assert status == 200, (path, item_name, value, body)
                        [result] = body["results"]
                        assert result["status"] == "rejected" and item_name in result["errors"], (item_name, value)
                continue
            COUNTS["api fields"] += 1
            for value in hostile_api_values(field):
                if multipart and not is_form_text(value):
                    continue  # a form field is text: nesting, numbers and booleans cannot be sent
                COUNTS["api values"] += 1
                status, body = call(client, method, url, {name: value}, multipart)
                assert status == 400 and (name in body or not names_the_field), (method, path, name, value, body)
        if multipart:
            assert stored_state() == before, f"{method} {path} stored something it refused"
            continue
        nested = {"x": DEEP}
        for _level in range(MAX_JSON_DEPTH):
            nested = {"x": nested}
        status, body = call(client, method, url, nested)
        assert status == 400 and (not names_the_field or "10" in body["detail"]), (path, body)
        assert stored_state() == before, f"{method} {path} stored something it refused"
    print(f"API: {len(operations)} write operations, {COUNTS['api fields']} fields, {COUNTS['api values']} values")
    assert COUNTS["api fields"] >= 80 and COUNTS["api values"] >= 800, COUNTS


def test_the_token_endpoint_refuses_a_deep_body_and_bad_json_in_the_users_language(world):
    """It still parses with DRF's own parser; the API's exception handler answers for the policy."""
    client = APIClient(raise_request_exception=False)
    answer = client.post(TOKEN_PATH, "[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert (answer.status_code, answer.json()["detail"]) == (400, "JSON 请求体的嵌套超过 10 层。")
    answer = client.post(TOKEN_PATH, '{"username": ', content_type="application/json")
    assert (answer.status_code, answer.json()["detail"]) == (400, "请求体不是有效的 JSON（第 1 行，第 14 列）。")


# --- The admin ---------------------------------------------------------------------------------------


def hostile_form_values(field: forms.Field) -> list:
    """Raw POST values this form field must refuse (a browser sends text only)."""
    control = CONTROL[:3]  # a lone surrogate cannot even be encoded into a form post
    if field.disabled or isinstance(field, forms.BooleanField | forms.FileField):
        return []  # a checkbox reads any text as "on"; files have their own checks
    if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        return [[value] for value in [*control, "abc", "9" * 30]]
    if isinstance(field, forms.SplitDateTimeField):
        return [[day, "09:00:00"] for day in ["1900-07-20", "2100-07-20", "9999-12-31", "0001-01-01"]] + [
            [value, "09:00:00"] for value in control
        ]
    if isinstance(field, forms.DateTimeField):
        return [*control, "1900-07-20 09:00:00", "2100-07-20 09:00:00", "9999-12-31 23:59:59", "0001-01-01 00:00"]
    if isinstance(field, forms.DateField):
        return [*control, "9999-12-31", "0001-01-01", "2023-02-30"]
    if isinstance(field, forms.ModelChoiceField):
        return [*control, "abc", "9" * 30, "1\x00"]
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return [*control, "abc", "NaN", "9" * 400]
    if isinstance(field, forms.ChoiceField):
        return [*control, "x" * 10_000]
    if isinstance(field, forms.CharField):
        single_line = [] if isinstance(field.widget, forms.Textarea) else ["a\tb"]
        return [*control, *single_line, "长" * ((field.max_length or NOTE_MAX_LENGTH) + 1)]
    return control


def post_data(form_class, name: str, field: forms.Field, value) -> QueryDict:
    data = QueryDict(mutable=True)
    if isinstance(field.widget, forms.MultiWidget):
        for index, part in enumerate(value):
            data[f"{name}_{index}"] = part
    elif isinstance(value, list):
        data.setlist(name, value)
    else:
        data[name] = value
    return data


def admin_forms(superuser):
    """(model admin, object or None, form class) for every registered add and change form."""
    request = RequestFactory().get("/admin/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_add_permission(request):
            yield model_admin, None, model_admin.get_form(request, None, change=False)
        obj = model._default_manager.order_by("pk").first()
        if obj is not None and model_admin.has_change_permission(request, obj):
            yield model_admin, obj, model_admin.get_form(request, obj, change=True)


def test_every_admin_form_field_refuses_the_hostile_values_on_the_field(world, admin_user):
    checked_forms = 0
    for model_admin, obj, form_class in admin_forms(admin_user):
        checked_forms += 1
        for name, field in form_class.base_fields.items():
            values = hostile_form_values(field)
            COUNTS["admin fields"] += bool(values)
            for value in values:
                COUNTS["admin values"] += 1
                form = form_class(post_data(form_class, name, field, value), instance=obj)
                assert not form.is_valid() and name in form.errors, (model_admin, name, value, form.errors)
    print(f"admin: {checked_forms} forms, {COUNTS['admin fields']} fields, {COUNTS['admin values']} values")
    assert checked_forms >= 20
    assert COUNTS["admin fields"] >= 100 and COUNTS["admin values"] >= 500, COUNTS


def test_a_post_of_control_characters_to_every_admin_form_is_refused_on_each_field(world, admin_user):
    client = Client()
    client.force_login(admin_user)
    before = stored_state()
    for model_admin, obj, form_class in admin_forms(admin_user):
        opts = model_admin.model._meta
        if obj is None:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        else:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        data, named = QueryDict(mutable=True), []
        for name, field in form_class.base_fields.items():
            values = [value for value in hostile_form_values(field) if "\x00" in str(value)]
            if values:
                data.update(post_data(form_class, name, field, values[0]))
                named.append(name)
        answer = client.post(url, data)
        assert answer.status_code == 200, (url, answer.status_code)  # the form again, with its errors
        errors = answer.context["adminform"].form.errors
        assert set(named) <= set(errors), (url, set(named) - set(errors))
    assert stored_state() == before


def test_lists_and_autocompletes_never_fail_on_control_characters(world, admin_user):
    client = Client()
    client.force_login(admin_user)
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(changelist, {"q": "老\x00人"}).status_code == 400
        assert client.get(changelist, {"status": "\x00"}).status_code == 400
        for field_name in model_admin.autocomplete_fields:
            answer = client.get(
                "/admin/autocomplete/",
                {
                    "term": "老\x00人",
                    "app_label": opts.app_label,
                    "model_name": opts.model_name,
                    "field_name": field_name,
                },
            )
            assert answer.status_code == 200, (opts.label, field_name, answer.status_code)
            assert answer.json()["results"] == []


def test_every_other_admin_post_refuses_control_characters_before_it_runs(world, admin_user):
    """Actions and their intermediate forms and the extra pages (void, transition, reveal) answer 400."""
    from eldercare.core.masking import masked_fields

    client = Client()
    client.force_login(admin_user)
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    hostile = {"reason": "作废\x00", "note": "x\x1by", "apply": "1"}
    before = stored_state()
    posted = 0
    for model, model_admin in admin.site._registry.items():
        opts, obj = model._meta, model._default_manager.order_by("pk").first()
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        for action in model_admin.get_actions(request):
            selected = [obj.pk] if obj is not None else []
            answer = client.post(changelist, {"action": action, "_selected_action": selected, **hostile})
            assert answer.status_code == 400, (opts.label, action, answer.status_code)
            posted += 1
        for pattern in model_admin.get_urls():
            name = getattr(pattern, "name", None) or ""
            if not name or name.endswith(("_add", "_change", "_changelist", "_history", "_autocomplete")):
                continue
            names = set(pattern.pattern.converters)
            if names & {"pk", "object_id"} and obj is None:
                continue
            kwargs = dict.fromkeys(names & {"pk", "object_id"}, obj.pk)
            if "field" in names:
                kwargs["field"] = next(iter(masked_fields(model)))
            answer = client.post(reverse(f"admin:{name}", kwargs=kwargs), hostile)
            assert answer.status_code == 400, (name, answer.status_code)
            posted += 1
    assert posted >= 8
    assert stored_state() == before
