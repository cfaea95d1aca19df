"""A client generated from the API's own OpenAPI schema (openapi-python-client) works against a running server.

The schema is fetched from `live_server`, the client generated into a temporary folder and imported;
then, through the generated code only: a wrong password gets its declared 400, a login gets a token,
recipients are listed, visits are uploaded in bulk (and a resend is recognised), and after a revocation
the declared 401. The generated client raises on any status the schema does not declare.
"""

import datetime as dt
import importlib
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from eldercare.visits.models import Visit
from tests.conftest import at
from tests.factories import USER_PASSWORD as PASSWORD  # every user of tests.factories.make_user

PACKAGE = "eldercare_generated_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture
def generated(live_server, tmp_path):
    """The generated package, imported; removed from sys.modules afterwards."""
    schema = httpx.get(f"{live_server.url}/api/schema/", params={"format": "json", "lang": "en"}, timeout=30)
    assert schema.status_code == 200
    (tmp_path / "schema.json").write_bytes(schema.content)
    # Photo images are binary answers: the generator reads them as octet streams (returned as bytes).
    images = "".join(f"  image/{kind}: application/octet-stream\n" for kind in ("jpeg", "png", "webp"))
    (tmp_path / "config.yaml").write_text(
        f"package_name_override: {PACKAGE}\npost_hooks: []\ncontent_type_overrides:\n{images}"
    )
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(tmp_path / "schema.json"),
            "--output-path",
            str(tmp_path / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(tmp_path / "config.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_a_generated_client_logs_in_lists_recipients_and_uploads_visits(world, provider_user, live_server, generated):
    api = importlib.import_module(f"{PACKAGE}.api.auth.auth_token_create")
    revoke = importlib.import_module(f"{PACKAGE}.api.auth.auth_token_revoke")
    recipients_list = importlib.import_module(f"{PACKAGE}.api.recipients.recipients_list")
    visits_bulk = importlib.import_module(f"{PACKAGE}.api.visits.visits_bulk_create")
    models = importlib.import_module(f"{PACKAGE}.models")
    anonymous = generated.Client(base_url=live_server.url, raise_on_unexpected_status=True)

    # A wrong password: the declared 400, with the error body's schema.
    wrong = api.sync_detailed(client=anonymous, body=models.CredentialsRequest(username="p-staff", password="nope"))
    assert wrong.status_code == 400
    assert isinstance(wrong.parsed, models.ValidationError)
    assert wrong.parsed.non_field_errors

    # Log in.
    token = api.sync(client=anonymous, body=models.CredentialsRequest(username="p-staff", password=PASSWORD))
    assert isinstance(token, models.Token) and len(token.token) == 64
    assert token.expiry < token.max_expiry
    client = generated.AuthenticatedClient(
        base_url=live_server.url, token=token.token, prefix="Token", raise_on_unexpected_status=True
    )

    # List recipients: the provider's own, resident ID numbers masked.
    page = recipients_list.sync(client=client)
    assert isinstance(page, models.PaginatedRecipientList)
    assert [row.id for row in page.results] == [world.recipient_a.pk]
    assert "*" in page.results[0].masked_resident_id

    # Upload visits in bulk; the same batch again changes nothing.
    recipient = world.recipient_a
    start = at(dt.date(2023, 8, 2), 8)
    item = models.BulkVisitItemRequest(
        client_uuid=uuid.uuid4(),
        recipient=recipient.pk,
        caregiver=world.caregiver_p.pk,
        category=world.category.code,
        items=[world.item.code],
        started_at=start,
        ended_at=start + dt.timedelta(hours=1),
        checkin_latitude=str(recipient.home_latitude),
        checkin_longitude=str(recipient.home_longitude),
        satisfaction=models.SatisfactionEnum.SATISFIED,
        note="生成的客户端上传",
    )
    result = visits_bulk.sync(client=client, body=models.BulkVisitsRequest(visits=[item]))
    assert isinstance(result, models.BulkResult)
    assert (result.summary.created, result.summary.rejected) == (1, 0), result.to_dict()
    assert result.results[0].status == models.BulkItemStatusEnum.CREATED
    visit = Visit.objects.get(pk=result.results[0].id)
    assert (visit.client_uuid, visit.recipient_id, visit.note) == (item.client_uuid, recipient.pk, "生成的客户端上传")
    again = visits_bulk.sync(client=client, body=models.BulkVisitsRequest(visits=[item]))
    assert again.results[0].status == models.BulkItemStatusEnum.ALREADY_PRESENT

    # Log out: the token is revoked, and the next call gets the declared 401.
    assert revoke.sync_detailed(client=client).status_code == 204
    refused = recipients_list.sync_detailed(client=client)
    assert refused.status_code == 401
    assert isinstance(refused.parsed, models.Error) and refused.parsed.detail
