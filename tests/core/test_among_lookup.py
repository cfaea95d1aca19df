"""`field__among=[…]` (core.lookups): the same rows as `__in`, sent as one array parameter on PostgreSQL."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from eldercare.recipients.models import Recipient
from eldercare.visits.models import Visit
from tests.factories import RecipientFactory, VisitFactory

pytestmark = pytest.mark.django_db


def test_among_finds_the_rows_in_finds_for_ids_foreign_keys_and_uuids():
    recipients = RecipientFactory.create_batch(4)
    visits = [VisitFactory(recipient=recipient) for recipient in recipients[:3]]
    wanted = [recipients[0].pk, recipients[2].pk, recipients[2].pk, 10**12]

    assert set(Recipient.objects.filter(pk__among=wanted)) == set(Recipient.objects.filter(pk__in=wanted))
    assert set(Recipient.objects.filter(pk__among=wanted)) == {recipients[0], recipients[2]}
    assert set(Visit.objects.filter(recipient__among=wanted)) == {visits[0], visits[2]}
    assert set(Visit.objects.filter(recipient_id__among=wanted)) == {visits[0], visits[2]}
    uuids = [visits[1].client_uuid, uuid.uuid4()]
    assert list(Visit.objects.filter(client_uuid__among=uuids)) == [visits[1]]
    assert not Recipient.objects.filter(pk__among=[]).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array form is PostgreSQL's; SQLite uses IN")
def test_on_postgresql_a_long_list_is_one_array_parameter():
    recipient = RecipientFactory()
    ids = [recipient.pk, *range(10**9, 10**9 + 5000)]
    with CaptureQueriesContext(connection) as queries:
        found = list(Recipient.objects.filter(pk__among=ids).values_list("pk", flat=True))
    assert found == [recipient.pk]
    assert "= ANY(" in queries[0]["sql"] and " IN (" not in queries[0]["sql"]
