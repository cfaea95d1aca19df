"""The public confirmation page: what it shows (and never shows), answering once, its limits."""

import re

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, pgettext

from eldercare.visits.models import Satisfaction, SatisfactionSource, Visit, VisitConfirmation

from .conftest import ADDRESS, CAREGIVER_PHONE, GUARDIAN_PHONE, PHONE, RESIDENT_ID


def zh(message: str, *, context: str = "") -> str:
    """The page's words as the Chinese catalogue gives them (the default language of the page)."""
    with translation.override("zh-hans"):
        return pgettext(context, message) if context else gettext(message)


def shown_visits(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-visit="(\d+)"', response.content.decode())}


def answer(client, world, visit, **data):
    return client.post(world.url, {"visit": visit.pk, **data})


# --- What it shows ---------------------------------------------------------------------------------


def test_it_opens_without_signing_in_and_lists_the_visits_of_the_last_7_days(world, client):
    response = client.get(world.url)
    assert response.status_code == 200
    # Today, 3 and 6 days ago; not 7 days ago, not the voided one, not the other person's.
    assert shown_visits(response) == {world.today.pk, world.three_days_ago.pk, world.six_days_ago.pk}


def test_it_names_the_caregiver_by_the_given_name_only(world, client):
    content = client.get(world.url).content.decode()
    assert re.findall(r'data-testid="caregiver">([^<]*)<', content) == ["娜娜"] * 3
    assert "欧阳" not in content


def test_it_shows_no_id_number_address_phone_or_full_name(world, client):
    content = client.get(world.url).content.decode()
    for secret in (RESIDENT_ID, RESIDENT_ID[-4:], RESIDENT_ID[:6] + "*", PHONE, PHONE[-4:], GUARDIAN_PHONE, ADDRESS):
        assert secret not in content, secret
    assert CAREGIVER_PHONE not in content and CAREGIVER_PHONE[-4:] not in content
    assert "王秀英" not in content and "李明" not in content and "赵桂兰" not in content
    assert "王**" in content  # the surname only, so a family with two cards tells them apart


def test_it_shows_the_service_category_and_the_day(world, client):
    content = client.get(world.url).content.decode()
    assert content.count('data-testid="category">生活照料<') == 3
    assert "8月10日" in content and "8月4日" in content


def test_it_is_chinese_by_default_whatever_the_phone_asks(world, client):
    response = client.get(world.url, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in response.content.decode()


def test_it_follows_the_language_switch(world, client):
    client.cookies["django_language"] = "en"
    response = client.get(world.url)
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()


def test_it_is_never_cached_indexed_or_sent_as_referrer(world, client):
    response = client.get(world.url)
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"  # never to another site; see views._public
    assert "noindex" in response["X-Robots-Tag"]


def test_it_shows_nothing_to_answer_when_there_was_no_visit(world, client):
    for visit in (world.today, world.three_days_ago, world.six_days_ago):
        Visit.objects.filter(pk=visit.pk).update(status="voided", void_reason="测试", voided_at=visit.ended_at)
    response = client.get(world.url)
    assert response.status_code == 200 and 'data-testid="no-visits"' in response.content.decode()


# --- Answering -------------------------------------------------------------------------------------


def test_confirming_with_a_rating_records_it_as_the_older_persons_own(world, client):
    response = answer(client, world, world.three_days_ago, answer="held", rating="fairly_satisfied")
    assert response.status_code == 303
    confirmation = VisitConfirmation.objects.get(visit=world.three_days_ago)
    assert (confirmation.took_place, confirmation.rating, confirmation.card) == (True, "fairly_satisfied", world.card)
    visit = Visit.objects.get(pk=world.three_days_ago.pk)
    assert (visit.satisfaction, visit.satisfaction_source) == ("fairly_satisfied", SatisfactionSource.RECIPIENT)
    page = client.get(response["Location"]).content.decode()
    assert zh("Thank you. Your answer has been recorded.") in page


def test_confirming_without_a_rating_keeps_the_recorded_satisfaction(world, client):
    answer(client, world, world.today, answer="held")
    assert VisitConfirmation.objects.get(visit=world.today).rating == ""
    visit = Visit.objects.get(pk=world.today.pk)
    assert (visit.satisfaction, visit.satisfaction_source) == ("satisfied", SatisfactionSource.CAREGIVER)


def test_did_not_take_place_stores_took_place_false_and_ignores_a_rating(world, client):
    answer(client, world, world.six_days_ago, answer="not_held", rating="satisfied")
    confirmation = VisitConfirmation.objects.get(visit=world.six_days_ago)
    assert (confirmation.took_place, confirmation.rating) == (False, "")
    assert Visit.objects.get(pk=world.six_days_ago.pk).satisfaction_source == SatisfactionSource.CAREGIVER


def test_each_visit_is_answered_once_and_a_second_answer_changes_nothing(world, client):
    answer(client, world, world.today, answer="held", rating="satisfied")
    second = answer(client, world, world.today, answer="not_held")
    assert second.status_code == 200
    content = second.content.decode()
    assert zh("This visit was already confirmed; nothing was changed.") in content
    assert zh("Confirmed", context="visit answered on the confirmation page") in content
    confirmation = VisitConfirmation.objects.get(visit=world.today)
    assert (confirmation.took_place, confirmation.rating) == (True, "satisfied")
    assert Visit.objects.get(pk=world.today.pk).satisfaction == "satisfied"
    # The answered visit shows as confirmed, with no buttons left for it.
    section = content[content.index(f'data-visit="{world.today.pk}"') :].split("</section>")[0]
    assert 'data-testid="answered"' in section and "answer-form" not in section


@pytest.mark.parametrize("which", ["seven_days_ago", "voided", "other_persons_visit"])
def test_a_visit_outside_the_window_or_of_someone_else_is_404(world, client, which):
    visit = getattr(world, which)
    assert answer(client, world, visit, answer="held", rating="dissatisfied").status_code == 404
    assert not VisitConfirmation.objects.filter(visit=visit).exists()


@pytest.mark.parametrize("raw", ["", "abc", "-1", "9" * 40, "１２", "999999"])
def test_a_visit_number_that_is_no_visit_of_the_card_is_404(world, client, raw):
    assert client.post(world.url, {"visit": raw, "answer": "held"}).status_code == 404


@pytest.mark.parametrize("data", [{"answer": "maybe"}, {"answer": ""}, {"answer": "held", "rating": "ecstatic"}, {}])
def test_an_answer_that_is_none_of_the_buttons_is_a_400_in_words(world, client, data):
    response = answer(client, world, world.today, **data)
    assert response.status_code == 400
    assert 'data-testid="error"' in response.content.decode()
    assert not VisitConfirmation.objects.exists()


def test_an_answer_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    assert answer(client, world, world.today, answer="held").status_code == 403
    page = client.get(world.url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = answer(client, world, world.today, answer="held", csrfmiddlewaretoken=token)
    assert response.status_code == 303
    assert VisitConfirmation.objects.filter(visit=world.today).exists()


def test_every_rating_on_the_page_is_a_satisfaction_value(world, client):
    content = client.get(world.url).content.decode()
    assert set(re.findall(r'name="rating" value="([^"]+)"', content)) == set(Satisfaction.values)


# --- Rate limits -----------------------------------------------------------------------------------


def test_too_many_requests_from_one_address_get_a_429_in_chinese(world, client, settings):
    settings.CONFIRMATION_RATE_PER_ADDRESS = "3/m"
    for _ in range(3):
        assert client.get(world.url).status_code == 200
    response = client.get(world.url)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert 'data-testid="too-many"' in response.content.decode()
    assert zh("Too many tries") in response.content.decode()
    # Forged links count toward the same address.
    assert client.get("/confirm/forged:link/").status_code == 429
    other_address = Client(REMOTE_ADDR="10.1.2.3")
    assert other_address.get(world.url).status_code == 200


def test_too_many_answers_on_one_card_get_a_429_from_any_address(world, settings):
    settings.CONFIRMATION_RATE_PER_CARD = "2/h"
    visits = [world.today, world.three_days_ago, world.six_days_ago]
    for number, visit in enumerate(visits[:2]):
        client = Client(REMOTE_ADDR=f"10.0.0.{number + 1}")
        assert answer(client, world, visit, answer="held").status_code == 303
    third = answer(Client(REMOTE_ADDR="10.0.0.9"), world, visits[2], answer="held")
    assert third.status_code == 429
    assert not VisitConfirmation.objects.filter(visit=visits[2]).exists()
    # Reading the page is not an answer.
    assert Client(REMOTE_ADDR="10.0.0.9").get(world.url).status_code == 200
