"""The one input policy (eldercare.core.input_policy) on every write path: API single and bulk, admin.

Each bad input is a 400 (or a form error, or a rejected bulk item) naming the field, in the user's
language, and stores nothing; the issue's reproductions (issue 13) are here one by one.
"""

import datetime as dt
import json
import uuid

import pytest
from rest_framework.test import APIClient

from eldercare.accounts.models import Role
from eldercare.core import input_policy
from eldercare.visits.models import Visit
from tests.conftest import at

NOW = at(dt.date(2023, 8, 2), 10)
CN = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def during_the_cycle(time_machine):
    time_machine.move_to(NOW)


@pytest.fixture
def provider(world) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.users[Role.PROVIDER_STAFF])
    return client


@pytest.fixture
def national(world) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.users[Role.NATIONAL_OFFICIAL])
    return client


def a_visit(world, day: int = 20, **overrides) -> dict:
    body = {
        "recipient": world.own.recipient.pk,
        "caregiver": world.own.caregiver.pk,
        "category": world.own.visit.category.code,
        "started_at": f"2023-07-{day:02d}T09:00:00+08:00",
        "ended_at": f"2023-07-{day:02d}T10:00:00+08:00",
    }
    body.update(overrides)
    return body


def a_bulk_item(world, day: int = 20, **overrides) -> dict:
    return a_visit(world, day, client_uuid=str(uuid.uuid4()), **overrides)


# --- The policy itself -----------------------------------------------------------------------------


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\ud800"])
def test_control_characters_are_refused_in_any_text(character):
    assert input_policy.forbidden_character(f"a{character}b", multiline=True) == f"U+{ord(character):04X}"
    assert input_policy.forbidden_character(f"a{character}b", multiline=False) == f"U+{ord(character):04X}"


def test_tab_and_newlines_are_allowed_only_in_multi_line_text():
    assert input_policy.forbidden_character("第一行\r\n\t第二行", multiline=True) is None
    assert input_policy.forbidden_character("张\t三", multiline=False) == "U+0009"


@pytest.mark.parametrize(
    "value",
    [
        "2021-01-01T00:00:00+08:00",  # the programme's first moment, in Beijing
        "2020-12-31T16:00:00+00:00",  # the same instant in UTC
        "2020-12-31T02:00:00-14:00",  # ... and at -14:00
        "2021-01-01T14:00:00+14:00",  # ... and at +14:00
        "2023-08-03T10:00:00+08:00",  # one day after now
        "2023-08-02T14:00:00-12:00",  # one day after now, at -12:00
    ],
)
def test_timestamps_inside_the_window_pass_in_any_offset(value):
    input_policy.validate_timestamp(dt.datetime.fromisoformat(value))


@pytest.mark.parametrize(
    "value",
    [
        "2020-12-31T23:59:59+08:00",
        "1900-01-01T09:00:00+08:00",
        "2100-01-01T09:00:00+08:00",
        "2023-08-03T10:00:01+08:00",
        "9999-12-31T23:00:00-12:00",  # after year 9999 in UTC: PostgreSQL stores it, Python cannot read it
        "0001-01-01T01:00:00+14:00",  # before year 1 in UTC
    ],
)
def test_timestamps_outside_the_window_are_refused_without_overflowing(value):
    with pytest.raises(input_policy.ValidationError) as refused:
        input_policy.validate_timestamp(dt.datetime.fromisoformat(value))
    assert refused.value.code == input_policy.TIMESTAMP_WINDOW


def test_the_nesting_depth_is_measured_without_recursion():
    assert input_policy.json_depth({"visits": [{"items": ["x"]}]}) == 4
    deep = current = []
    for _level in range(50_000):
        current.append([])
        current = current[0]
    assert input_policy.json_depth(deep) == 50_001


# --- The API: bodies ---------------------------------------------------------------------------------


def test_a_deeply_nested_body_is_a_400_in_chinese_not_a_recursion_error(world, provider):
    body = "[" * 100_000 + "]" * 100_000
    answer = provider.post("/api/v1/visits/", body, content_type="application/json", **CN)
    assert answer.status_code == 400
    assert "嵌套" in answer.json()["detail"]
    answer = provider.post("/api/v1/visits/", '{"a":' * 20 + "1" + "}" * 20, content_type="application/json", **EN)
    assert answer.status_code == 400
    assert "nests more than 10 levels" in answer.json()["detail"]


def test_a_json_syntax_error_is_reported_in_the_users_language(world, provider):
    answer = provider.post("/api/v1/visits/", '{"note": ', content_type="application/json", **CN)
    assert answer.status_code == 400
    assert answer.json()["detail"] == "请求体不是有效的 JSON（第 1 行，第 10 列）。"
    answer = provider.post("/api/v1/visits/", '{"note": ', content_type="application/json", **EN)
    assert answer.json()["detail"] == "The request body is not valid JSON (line 1, column 10)."


def test_nan_and_bodies_in_other_encodings_are_refused(world, provider):
    answer = provider.post("/api/v1/visits/", '{"checkin_latitude": NaN}', content_type="application/json")
    assert answer.status_code == 400
    latin = json.dumps(a_visit(world)).encode("latin-1")
    answer = provider.post("/api/v1/visits/", latin, content_type="application/json; charset=latin-1", **EN)
    assert (answer.status_code, answer.json()["detail"]) == (400, "Send the JSON body in UTF-8.")


def test_a_body_over_the_size_limit_is_refused_before_it_is_parsed(world, provider, monkeypatch):
    monkeypatch.setattr("eldercare.api.parsers.MAX_BODY_BYTES", 1024)
    before = Visit.objects.count()
    answer = provider.post("/api/v1/visits/", a_visit(world, note="长" * 2000), format="json", **EN)
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("The request body is larger than")
    assert Visit.objects.count() == before


# --- The API: fields ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("note", "好\x00"),
        ("category", "a\x00b"),
        ("started_at", "2023-07-20T09:00:00\x00+08:00"),
        ("recipient", "1\x00"),
    ],
)
def test_a_nul_in_any_field_of_a_visit_is_a_400_naming_it_and_nothing_is_stored(world, provider, field, value):
    before = Visit.objects.count()
    answer = provider.post("/api/v1/visits/", a_visit(world, **{field: value}), format="json", **CN)
    assert answer.status_code == 400, answer.content
    assert answer.json()[field] == ["此处不允许包含控制字符 U+0000。"]
    assert Visit.objects.count() == before


def test_a_multi_line_note_may_hold_newlines_and_tabs(world, provider):
    answer = provider.post("/api/v1/visits/", a_visit(world, note="协助洗澡\n\t测量血压"), format="json")
    assert answer.status_code == 201, answer.json()
    assert Visit.objects.get(pk=answer.json()["id"]).note == "协助洗澡\n\t测量血压"


def test_unknown_and_read_only_fields_are_refused_by_name(world, provider):
    before = Visit.objects.count()
    answer = provider.post("/api/v1/visits/", a_visit(world, status="voided", colour="red"), format="json", **EN)
    assert answer.status_code == 400
    assert set(answer.json()) == {"status", "colour"}
    assert answer.json()["status"] == ["This field cannot be written here; nothing was saved."]
    assert Visit.objects.count() == before
    answer = provider.patch(f"/api/v1/recipients/{world.own.recipient.pk}/", {"is_demo": True}, format="json")
    assert answer.status_code == 400 and list(answer.json()) == ["is_demo"]


@pytest.mark.parametrize(
    ("started_at", "ended_at"),
    [
        ("1900-07-20T09:00:00+08:00", "1900-07-20T10:00:00+08:00"),
        ("2100-07-20T09:00:00+08:00", "2100-07-20T10:00:00+08:00"),
        ("2023-07-20T09:00:00+08:00", "9999-12-31T23:00:00-12:00"),
    ],
)
def test_visits_dated_outside_the_programme_are_refused_not_flagged(world, provider, started_at, ended_at):
    before = Visit.objects.count()
    body = a_visit(world, started_at=started_at, ended_at=ended_at)
    answer = provider.post("/api/v1/visits/", body, format="json", **CN)
    assert answer.status_code == 400
    refused = "ended_at" if started_at.startswith("2023") else "started_at"
    assert "北京时间" in answer.json()[refused][0]
    assert Visit.objects.count() == before


def test_a_visit_written_at_plus_fourteen_or_minus_twelve_hours_is_accepted(world, provider):
    body = a_visit(world, started_at="2023-07-21T01:00:00-12:00", ended_at="2023-07-22T04:00:00+14:00")
    answer = provider.post("/api/v1/visits/", body, format="json")
    assert answer.status_code == 201, answer.json()
    visit = Visit.objects.get(pk=answer.json()["id"])
    assert visit.started_at == dt.datetime(2023, 7, 21, 13, tzinfo=dt.UTC)
    assert visit.ended_at - visit.started_at == dt.timedelta(hours=1)
    assert answer.json()["started_at"] == "2023-07-21T21:00:00+08:00"


def test_an_id_of_the_wrong_type_is_never_rounded_to_a_real_one(world, provider):
    answer = provider.post("/api/v1/visits/", a_visit(world, recipient=world.own.recipient.pk + 0.5), format="json")
    assert answer.status_code == 400 and "recipient" in answer.json()
    answer = provider.post("/api/v1/visits/", a_visit(world, recipient=10**30), format="json")
    assert answer.status_code == 400 and "recipient" in answer.json()


@pytest.mark.parametrize("page_size", ["-1", "0", "000", "abc", "1.5", "²"])
def test_a_page_size_below_one_or_not_a_whole_number_is_a_400_naming_it(world, provider, page_size):
    answer = provider.get("/api/v1/visits/", {"page_size": page_size}, **EN)
    assert answer.status_code == 400
    assert answer.json() == {"page_size": ["Give a page size of at least 1 (at most 500 are shown)."]}


@pytest.mark.parametrize(("page_size", "shown"), [("1", 1), ("007", 7), ("501", 500), ("9" * 5000, 500)])
def test_a_larger_page_size_is_capped_at_five_hundred(world, provider, page_size, shown):
    from eldercare.api.pagination import StandardPagination

    request = type("Request", (), {"query_params": {"page_size": page_size}})()
    assert StandardPagination().get_page_size(request) == shown
    assert provider.get("/api/v1/visits/", {"page_size": page_size}).status_code == 200


def test_a_query_parameter_holding_a_control_character_is_a_400_naming_it(world, provider):
    answer = provider.get("/api/v1/recipients/", {"name": "老\x00人"}, **CN)
    assert answer.status_code == 400
    assert answer.json() == {"name": ["此处不允许包含控制字符 U+0000。"]}


def test_a_void_refuses_unknown_fields_and_overlong_reasons_and_keeps_a_long_one(world, national):
    url = f"/api/v1/visits/{world.own.visit.pk}/void/"
    assert national.post(url, {"reason": "重复录入", "status": "completed"}, format="json").status_code == 400
    assert national.post(url, {"reason": "长" * 2001}, format="json").status_code == 400
    assert national.post(url, {"reason": "重复\x00录入"}, format="json").status_code == 400
    assert Visit.objects.get(pk=world.own.visit.pk).status == "completed"
    # A reason longer than the history's 100-character change reason is kept in full on the visit.
    answer = national.post(url, {"reason": "核" * 500}, format="json")
    assert answer.status_code == 200, answer.content
    voided = Visit.objects.get(pk=world.own.visit.pk)
    assert voided.void_reason == "核" * 500
    assert len(voided.history.first().history_change_reason) == input_policy.CHANGE_REASON_MAX_LENGTH


# --- Bulk upload -----------------------------------------------------------------------------------


def bulk(client, world, *items, language=EN):
    answer = client.post("/api/v1/visits/bulk/", {"visits": list(items)}, format="json", **language)
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]


def test_a_bulk_item_with_an_unknown_key_is_rejected_naming_it_and_its_neighbour_is_stored(world, provider):
    voided, good = a_bulk_item(world, 21, status="voided"), a_bulk_item(world, 22)
    results = bulk(provider, world, voided, good)
    assert results[0]["status"] == "rejected"
    assert results[0]["errors"] == {"status": ["This field cannot be written here; nothing was saved."]}
    assert results[1]["status"] == "created"
    assert not Visit.objects.filter(client_uuid=voided["client_uuid"]).exists()


def test_a_bulk_note_has_the_same_limit_as_a_single_visit(world, provider):
    longest, overlong = a_bulk_item(world, 21, note="记" * 2000), a_bulk_item(world, 22, note="记" * 100_000)
    results = bulk(provider, world, longest, overlong)
    assert [row["status"] for row in results] == ["created", "rejected"]
    assert list(results[1]["errors"]) == ["note"]
    single = provider.post("/api/v1/visits/", a_visit(world, 23, note="记" * 2001), format="json")
    assert single.status_code == 400 and list(single.json()) == ["note"]


def test_a_nul_in_a_bulk_note_is_rejected_not_stored(world, provider):
    item = a_bulk_item(world, 21, note="上门\x00服务")
    [result] = bulk(provider, world, item, language=CN)
    assert (result["status"], result["errors"]) == ("rejected", {"note": ["此处不允许包含控制字符 U+0000。"]})
    assert not Visit.objects.filter(client_uuid=item["client_uuid"]).exists()


def test_a_bulk_time_beyond_year_9999_in_utc_is_rejected_and_the_list_still_reads(world, provider):
    absurd = a_bulk_item(world, 21, ended_at="9999-12-31T23:00:00-12:00")
    old = a_bulk_item(world, 22, started_at="1900-07-22T09:00:00+08:00", ended_at="1900-07-22T10:00:00+08:00")
    good = a_bulk_item(world, 23)
    results = bulk(provider, world, absurd, old, good)
    assert [row["status"] for row in results] == ["rejected", "rejected", "created"]
    assert list(results[0]["errors"]) == ["ended_at"]
    assert set(results[1]["errors"]) == {"started_at", "ended_at"}
    assert provider.get("/api/v1/visits/", {"recipient": world.own.recipient.pk}).status_code == 200


def test_the_bulk_item_keys_are_the_fields_of_a_single_visit():
    from eldercare.visits.bulk import ITEM_FIELDS
    from eldercare.visits.serializers import BulkVisitItemSerializer

    assert set(BulkVisitItemSerializer().fields) == ITEM_FIELDS


# --- Reads of rows stored before the policy ----------------------------------------------------------


def test_a_stored_time_that_local_time_cannot_show_reads_in_utc(world, provider):
    Visit.objects.filter(pk=world.own.visit.pk).update(ended_at=dt.datetime(9999, 12, 31, 20, tzinfo=dt.UTC))
    answer = provider.get("/api/v1/visits/")
    assert answer.status_code == 200
    [row] = [row for row in answer.json()["results"] if row["id"] == world.own.visit.pk]
    assert row["ended_at"].startswith("9999-12-")
    assert provider.get(f"/api/v1/visits/{world.own.visit.pk}/").status_code == 200


@pytest.mark.parametrize("value", ["maybe", "null", "2"])
def test_a_boolean_filter_it_cannot_read_is_a_400_not_ignored(world, provider, value):
    answer = provider.get("/api/v1/caregivers/", {"is_active": value}, **EN)
    assert (answer.status_code, answer.json()) == (400, {"is_active": ["Give true or false."]})
    assert provider.get("/api/v1/caregivers/", {"is_active": "false"}).status_code == 200


def test_request_bodies_say_they_take_no_other_fields(world, provider):
    schema = provider.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert schema["VisitWriteRequest"]["additionalProperties"] is False
    assert schema["PatchedVisitUpdateRequest"]["additionalProperties"] is False
    assert "additionalProperties" not in schema["Visit"]  # answers are not requests
