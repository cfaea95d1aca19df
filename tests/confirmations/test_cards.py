"""Confirmation cards: issue, revoke, the signed link, the printable PDF and who may print it."""

import io

import pytest
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from pypdf import PdfReader

from eldercare.accounts.models import Role
from eldercare.confirmations import cards
from eldercare.confirmations.services import card_issue, card_revoke
from eldercare.confirmations.tokens import SALT, card_token
from eldercare.core.errors import DomainError
from eldercare.core.models import AuditEvent
from eldercare.recipients.models import ConfirmationCard

from .conftest import make_user


def card_page(world):
    return reverse("confirmations:card_page", args=[world.person.pk])


def card_pdf(world):
    return reverse("confirmations:card_pdf", args=[world.person.pk])


# --- Issue and revoke ------------------------------------------------------------------------------


def test_a_new_card_revokes_the_one_in_use_and_its_link_then_answers_404(world, client):
    old_url = world.url
    assert client.get(old_url).status_code == 200
    new = card_issue(recipient=world.person, acting_user=world.staff)
    world.card.refresh_from_db()
    assert world.card.revoked_at is not None and new.revoked_at is None
    assert ConfirmationCard.objects.filter(recipient=world.person, revoked_at__isnull=True).get() == new
    assert client.get(old_url).status_code == 404
    assert client.get(f"/confirm/{card_token(new)}/").status_code == 200


def test_a_revoked_card_answers_404_and_cannot_be_revoked_twice(world, client):
    card_revoke(card=world.card, acting_user=world.staff)
    assert client.get(world.url).status_code == 404
    with pytest.raises(DomainError):
        card_revoke(card=world.card, acting_user=world.staff)


def test_the_database_holds_one_active_card_per_person(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        ConfirmationCard.objects.create(recipient=world.person, key="x" * 43)


def test_issue_revoke_and_print_are_in_the_audit_log_without_the_key(world):
    new = card_issue(recipient=world.person, acting_user=world.staff)
    card_revoke(card=new, acting_user=world.staff)
    events = AuditEvent.objects.filter(object_type="recipients.confirmationcard").order_by("pk")
    assert [(event.action, event.object_id) for event in events] == [
        ("create", str(world.card.pk)),
        ("change", str(world.card.pk)),
        ("create", str(new.pk)),
        ("change", str(new.pk)),
    ]
    assert {event.username for event in events} == {"p-staff"}
    for event in events:
        assert new.key not in f"{event.object_repr}{event.reason}{event.details}"
        assert world.card.key not in f"{event.object_repr}{event.reason}{event.details}"


# --- The link --------------------------------------------------------------------------------------


def test_a_forged_token_answers_a_plain_404(world, client):
    forged = signing.Signer(salt=SALT, key="not-the-secret-key").sign(world.card.key)
    response = client.get(f"/confirm/{forged}/")
    assert response.status_code == 404
    assert "王" not in response.content.decode()


def test_a_tampered_token_answers_404(world, client):
    key, signature = world.token.split(":")
    flipped = ("B" if key[0] == "A" else "A") + key[1:]
    for token in (f"{flipped}:{signature}", f"{key}:{signature[:-1]}", key, f"{key}:", "x" * 500, "%E4%B8%AD"):
        assert client.get(f"/confirm/{token}/").status_code == 404, token


def test_a_well_signed_unknown_key_answers_404(world, client):
    unknown = signing.Signer(salt=SALT).sign("k" * 43)
    assert client.get(f"/confirm/{unknown}/").status_code == 404


def test_the_404_for_a_bad_link_is_the_same_as_for_a_revoked_one(world, client):
    revoked_url = world.url
    card_revoke(card=world.card, acting_user=world.staff)
    forged = signing.Signer(salt=SALT, key="not-the-secret-key").sign("k" * 43)
    revoked, bad = client.get(revoked_url), client.get(f"/confirm/{forged}/")
    assert revoked.status_code == bad.status_code == 404
    # The same words (the page around them names its own address, for the language switch).
    assert main_of(revoked) == main_of(bad)


def main_of(response) -> str:
    content = response.content.decode()
    return content[content.index("<main") : content.index("</main>")]


# --- The card page and the PDF ---------------------------------------------------------------------


def test_the_provider_staff_issue_and_print_a_card_from_the_card_page(world):
    client = world.client_for(world.staff)
    card_revoke(card=world.card, acting_user=world.staff)
    page = client.get(card_page(world))
    assert page.status_code == 200
    assert 'data-testid="issue"' in page.content.decode()
    response = client.post(card_page(world), {"action": "issue"})
    assert response.status_code == 302 and response["Location"] == card_pdf(world)
    card = ConfirmationCard.objects.get(recipient=world.person, revoked_at__isnull=True)
    pdf = client.get(card_pdf(world))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(
        object_type="recipients.confirmationcard", object_id=str(card.pk), action="export"
    ).exists()


def test_printing_again_keeps_the_same_card(world):
    client = world.client_for(world.staff)
    for _ in range(2):
        assert client.get(card_pdf(world)).status_code == 200
    assert ConfirmationCard.objects.filter(recipient=world.person).count() == 1


def test_the_card_page_revokes_the_card(world):
    client = world.client_for(world.staff)
    client.post(card_page(world), {"action": "revoke"})
    world.card.refresh_from_db()
    assert world.card.revoked_at is not None
    assert client.get(card_pdf(world)).status_code == 302  # no card in use: back to the card page


@pytest.mark.parametrize("who", ["other_staff", "official", "auditor", "nobody"])
def test_only_those_who_may_write_the_person_reach_the_card(world, who):
    users = {
        "other_staff": world.other_staff,
        "official": make_user("district", Role.DISTRICT_OFFICIAL, area=world.person.area),
        "auditor": make_user("auditor", Role.AUDITOR),
        "nobody": make_user("nobody"),
    }
    client = world.client_for(users[who])
    assert client.get(card_page(world)).status_code == 404
    assert client.get(card_pdf(world)).status_code == 404
    assert client.post(card_page(world), {"action": "issue"}).status_code == 404
    assert client.post(card_page(world), {"action": "revoke"}).status_code == 404
    assert ConfirmationCard.objects.filter(recipient=world.person).count() == 1


def test_signed_out_the_card_page_asks_to_sign_in(world, client):
    response = client.get(card_pdf(world))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_recipient_number_beyond_any_key_is_404(world):
    client = world.client_for(world.staff)
    assert client.get(f"/confirm/cards/{'9' * 30}/").status_code == 404


def pdf_of(world) -> bytes:
    return world.client_for(world.staff).get(card_pdf(world)).content


def test_the_card_pdf_holds_the_name_the_area_and_the_instructions(world):
    reader = PdfReader(io.BytesIO(pdf_of(world)))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "王秀英" in text
    assert str(world.person.area.region) in text
    assert cards.CALL_TO_ACTION in text
    assert world.person.resident_id not in text and world.person.phone not in text


def _embedded_qr(pdf: bytes):
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    (image,) = page.images
    return image.image


def test_the_qr_code_drawn_is_segnos_code_of_the_absolute_link(world):
    """Without a decoder: the image in the PDF, module by module, is segno's matrix of the link."""
    link = f"http://testserver{world.url}"
    drawn = _embedded_qr(pdf_of(world)).convert("L")
    matrix = cards.qr_code(link).matrix
    size = len(matrix)
    step = cards.QR_PIXELS_PER_MODULE
    offset = cards.QR_QUIET_ZONE * step
    assert drawn.size == ((size + 2 * cards.QR_QUIET_ZONE) * step,) * 2
    for row in range(size):
        for column in range(size):
            pixel = drawn.getpixel((offset + column * step + step // 2, offset + row * step + step // 2))
            assert (pixel < 128) == bool(matrix[row][column]), (row, column)


def test_the_qr_code_in_the_pdf_reads_back_as_the_link(world):
    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp decodes the QR code (requirements-dev)")
    decoded = [result.text for result in zxingcpp.read_barcodes(_embedded_qr(pdf_of(world)))]
    assert decoded == [f"http://testserver{world.url}"]


def test_the_link_uses_the_public_address_when_one_is_set(world, settings):
    settings.CONFIRMATION_BASE_URL = "https://yanglao.example.cn/"
    assert cards.confirmation_link(world.card) == f"https://yanglao.example.cn{world.url}"


# --- The admin -------------------------------------------------------------------------------------


def test_the_recipient_admin_page_links_to_the_card_page_for_its_provider(world):
    client = world.client_for(world.staff)
    page = client.get(reverse("admin:recipients_recipient_change", args=[world.person.pk])).content.decode()
    assert card_page(world) in page


def test_the_recipient_list_prints_cards_for_the_selected_people(world):
    client = world.client_for(world.staff)
    response = client.post(
        reverse("admin:recipients_recipient_changelist"),
        {"action": "print_confirmation_cards", "_selected_action": [world.person.pk, world.other_person.pk]},
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 2
    # The card in use is kept; the person who had none got one.
    assert ConfirmationCard.objects.filter(recipient=world.person).count() == 1
    assert ConfirmationCard.objects.filter(recipient=world.other_person, revoked_at__isnull=True).count() == 1


def test_the_card_list_revokes_the_selected_cards(world, admin_client):
    response = admin_client.post(
        reverse("admin:recipients_confirmationcard_changelist"),
        {"action": "revoke_cards", "_selected_action": [world.card.pk]},
    )
    assert response.status_code == 302
    world.card.refresh_from_db()
    assert world.card.revoked_at is not None


def test_cards_and_answers_are_read_only_in_the_admin(world, admin_client):
    assert admin_client.get(reverse("admin:recipients_confirmationcard_add")).status_code == 403
    assert admin_client.get(reverse("admin:visits_visitconfirmation_add")).status_code == 403
    page = admin_client.get(reverse("admin:recipients_confirmationcard_change", args=[world.card.pk]))
    assert page.status_code == 200
    assert world.card.key not in page.content.decode()


def test_the_providers_home_links_each_person_to_their_card_page(world):
    content = world.client_for(world.staff).get(reverse("providers:home")).content.decode()
    assert card_page(world) in content
    assert reverse("confirmations:card_page", args=[world.other_person.pk]) in content


def test_an_official_opening_the_providers_home_gets_no_card_link(world):
    official = make_user("district", Role.DISTRICT_OFFICIAL, area=world.person.area)
    world.provider.areas.add(world.person.area)
    response = world.client_for(official).get(reverse("providers:home"), {"provider": world.provider.pk})
    assert response.status_code == 200
    assert "/confirm/cards/" not in response.content.decode()


@pytest.mark.parametrize("query", ["王秀英", "abc", str(10**30), "12"])
def test_the_card_list_searches_by_name_or_number_without_error(world, admin_client, query):
    response = admin_client.get(reverse("admin:recipients_confirmationcard_changelist"), {"q": query})
    assert response.status_code == 200


def test_the_card_list_filters_one_persons_cards(world, admin_client):
    card_issue(recipient=world.other_person)
    response = admin_client.get(
        reverse("admin:recipients_confirmationcard_changelist"), {"recipient__id__exact": world.person.pk}
    )
    assert response.status_code == 200
    assert list(response.context["cl"].queryset) == [world.card]
