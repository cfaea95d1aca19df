"""The bulk registration is the twin of recipient_create + assessment_record: the same record, history,
audit and recount, and the same refusals."""

import datetime as dt

import pytest

from eldercare.core.models import AuditEvent, RecountRequest
from eldercare.recipients.bulk_register import Registration, recipients_register_many
from eldercare.recipients.models import Recipient
from eldercare.recipients.services import assessment_record, recipient_create
from tests.imports.conftest import resident

pytestmark = pytest.mark.django_db

COMPARED = ("name", "sex", "birth_date", "area_id", "township_id", "economic_category", "address", "provider_id")


def _fields(world, n: int) -> dict:
    return {
        "resident_id": resident(n),
        "name": f"老人{n}",
        "area": world["area"],
        "township": world["township"],
        "economic_category": "minimum_allowance",
        "address": "城北街道1号",
        "provider": world["provider"],
    }


def _trace(recipient: Recipient) -> tuple:
    return (
        tuple(getattr(recipient, name) for name in COMPARED),
        recipient.history.count(),
        recipient.assessments.get().history.count(),
        AuditEvent.objects.filter(object_type="recipients.recipient", object_id=str(recipient.pk)).count(),
        RecountRequest.objects.filter(recipient_id=recipient.pk).exists(),
    )


def test_same_record_history_audit_and_recount_as_the_single_services(world):
    one = recipient_create(**_fields(world, 1))
    assessment_record(recipient=one, assessed_on=dt.date(2024, 3, 1), level="severe", assessor_name="李四")
    assessment = {"assessed_on": dt.date(2024, 3, 1), "level": "severe", "assessor_name": "李四"}
    fields = _fields(world, 3)  # the same sex as person 1: both sequence numbers odd
    created, refusals = recipients_register_many(entries=[Registration(fields=fields, assessment=assessment)])
    assert refusals == {}
    single, bulk = _trace(Recipient.objects.get(pk=one.pk)), _trace(Recipient.objects.get(pk=created[0].pk))
    assert (single[0][1:], *single[1:]) == (bulk[0][1:], *bulk[1:])


def test_refusals_leave_nothing(world):
    fields = _fields(world, 1)
    outside = _fields(world, 2) | {"township": world["outside"]}
    duplicate = _fields(world, 1)
    _created, refusals = recipients_register_many(
        entries=[Registration(fields=fields), Registration(fields=outside), Registration(fields=duplicate)]
    )
    assert sorted(refusals) == [1, 2]
    assert not Recipient.objects.exists()
