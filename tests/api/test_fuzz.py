"""Fuzz the API in-process with schemathesis, from its own OpenAPI schema, as a provider and as an official.

Every operation gets a bounded number of generated requests (valid and invalid ones, some aimed at
real objects); none may answer with a server error, and every documented answer must match the
schema. Hypothesis runs derandomized so CI sees the same requests every time.
"""

import datetime as dt

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from eldercare.visits.models import VisitException
from tests.api.conftest import client_for, log
from tests.factories import FamilyCareBedFactory, RetrofitItemFactory

EXAMPLES_PER_MODE = 4
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def wsgi_app():
    """Django's WSGI app on the test's database connection (the test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _token_header(user) -> dict:
    client = client_for(user)
    return {"Authorization": client._credentials["HTTP_AUTHORIZATION"]}


def _real_ids(world) -> dict:
    bed = FamilyCareBedFactory(recipient=world.recipient_a)
    RetrofitItemFactory(bed=bed)
    late = log(world.recipient_a, world.caregiver_p, world.category, day=dt.date(2023, 7, 2))
    return {
        "areas": {"area_code": world.area_a.region.code},
        "recipients": {"id": world.recipient_a.pk},
        "assessments": {"id": world.recipient_a.assessments.get().pk},
        "providers": {"id": world.provider_p.pk},
        "caregivers": {"id": world.caregiver_p.pk},
        "beds": {"id": bed.pk},
        "visits": {"id": world.visit_a.pk},
        "exceptions": {"id": VisitException.objects.filter(visit=late).first().pk},
        "progress": {"area_code": world.area_a.region.code},
    }


def test_no_operation_answers_a_server_error_or_breaks_the_schema(world, provider_user, national_official, wsgi_app):
    users = {"provider": _token_header(provider_user), "official": _token_header(national_official)}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, headers=users["official"])
    real_ids = _real_ids(world)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30

    for operation in operations:
        cache.clear()  # the per-user request rate (throttling) is for people, not for this loop
        resource = operation.path.removeprefix("/api/v1/").split("/")[0]
        fixed = {}
        if "{" in operation.path:
            fixed = {key: value for key, value in real_ids.get(resource, {}).items() if f"{{{key}}}" in operation.path}
        # Valid requests, valid ones aimed at real objects, and invalid ones (which may not exist).
        strategies = [(operation.as_strategy(generation_mode=GenerationMode.POSITIVE), False)]
        if fixed:
            strategies.append((operation.as_strategy(path_parameters=fixed), False))
        strategies.append((operation.as_strategy(generation_mode=GenerationMode.NEGATIVE), True))
        for strategy, may_be_impossible in strategies:

            @settings(
                max_examples=EXAMPLES_PER_MODE,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def run(case):
                for headers in users.values():
                    response = case.call(headers=headers)
                    case.validate_response(response, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                if not may_be_impossible:  # an operation whose every input is valid has no invalid case
                    raise
