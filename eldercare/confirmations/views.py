"""The public confirmation page (/confirm/<token>/) and the staff's card page and PDF.

The public page needs no sign-in: the card's signed link is the only key. It shows a person's
visits of the last 7 days by day, service category and the caregiver's given name, and nothing
else about anyone (no ID number, address or phone, no full name). A forged, altered, unknown or
revoked link gets the same plain 404, so the page tells nobody which links once worked.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from eldercare.accounts.scoping import scope_queryset
from eldercare.core.errors import DomainError
from eldercare.recipients.models import ConfirmationCard, Recipient
from eldercare.visits.confirmation import CONFIRMATION_WINDOW_DAYS, confirmable_visits, visit_confirm
from eldercare.visits.models import Satisfaction

from . import ratelimits, services
from .cards import PrintedCard, cards_pdf, confirmation_link
from .names import masked_name
from .selectors import card_active, may_handle_cards, visit_rows
from .tokens import active_card_for

HELD, NOT_HELD = "held", "not_held"
MAX_ID = 2**63 - 1  # the largest primary key: a longer number in the path is no record


# --- The public page -------------------------------------------------------------------------------


def _language(request: HttpRequest) -> str:
    """Chinese unless the person chose another language with the switch (the cookie it sets).

    The phone's own Accept-Language is not followed here: the page is for older people in China and
    whoever helps them, and a relative's English phone should not turn the card's page English.
    """
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _public(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["Content-Language"] = translation.get_language()
    # The link is the key: never cached, never sent on as a referrer to another site, never indexed.
    # "same-origin", not "no-referrer": with no referrer at all, browsers send `Origin: null` on the
    # page's own form posts, which CSRF protection refuses (found by tests/browser/test_confirmation.py).
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    patch_vary_headers(response, ("Cookie",))
    return response


def _not_found(request: HttpRequest) -> HttpResponse:
    return _public(request, "confirmations/not_found.html", {}, status=404)


def _too_many(request: HttpRequest, wait: int) -> HttpResponse:
    minutes = max(1, -(-wait // 60))
    response = _public(request, "confirmations/too_many.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(wait)
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    with translation.override(_language(request)):
        wait = ratelimits.address_wait(request)
        if wait:
            return _too_many(request, wait)
        card = active_card_for(token)
        if card is None:
            return _not_found(request)
        if request.method == "POST":
            wait = ratelimits.card_wait(request, card.pk)
            if wait:
                return _too_many(request, wait)
            return _answer(request, card)
        return _page(request, card)


def _page(request: HttpRequest, card: ConfirmationCard, *, error: str = "", status: int = 200) -> HttpResponse:
    context = {
        "person": masked_name(card.recipient.name),
        "rows": visit_rows(card),
        "days": CONFIRMATION_WINDOW_DAYS,
        "ratings": Satisfaction.choices,
        "error": error,
        "HELD": HELD,
        "NOT_HELD": NOT_HELD,
    }
    return _public(request, "confirmations/confirm.html", context, status=status)


def _answer(request: HttpRequest, card: ConfirmationCard) -> HttpResponse:
    raw_visit = request.POST.get("visit", "").strip()
    if not raw_visit.isascii() or not raw_visit.isdigit() or len(raw_visit) > 18:
        return _not_found(request)
    # Another person's visit, or one outside the window, is not there for this link: 404, as a guess.
    visit = confirmable_visits(card.recipient_id).filter(pk=int(raw_visit)).first()
    if visit is None:
        return _not_found(request)
    answer, rating = request.POST.get("answer", ""), request.POST.get("rating", "")
    if answer not in (HELD, NOT_HELD) or (answer == HELD and rating not in ("", *Satisfaction.values)):
        return _page(request, card, error=_("Choose one of the buttons under the visit."), status=400)
    if hasattr(visit, "confirmation"):
        messages.info(request, _("This visit was already confirmed; nothing was changed."))
        return _page(request, card, status=200)
    try:
        visit_confirm(
            visit=visit,
            card=card,
            took_place=answer == HELD,
            rating=rating if answer == HELD else "",
            request=request,
        )
    except DomainError as error:
        if error.code == "already_confirmed":
            messages.info(request, _("This visit was already confirmed; nothing was changed."))
            return _page(request, card, status=200)
        return _page(request, card, error=str(error.message), status=400)
    messages.success(request, _("Thank you. Your answer has been recorded."))
    response = redirect(request.path + f"#visit-{visit.pk}")
    response.status_code = 303
    return response


# --- The staff's card page and PDF (signed in, for those who may write the person) ------------------


def _recipient_for_cards(request: HttpRequest, recipient_id: int) -> Recipient:
    if recipient_id > MAX_ID:
        raise Http404(_("No such record."))
    recipient = (
        scope_queryset(request.user, Recipient.objects.all())
        .select_related("area__region", "area__batch")
        .filter(pk=recipient_id)
        .first()
    )
    # Not in scope, or read-only for this role: absent, as everywhere else.
    if recipient is None or not may_handle_cards(request.user, recipient):
        raise Http404(_("No such record."))
    return recipient


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def card_page(request: HttpRequest, recipient_id: int) -> HttpResponse:
    recipient = _recipient_for_cards(request, recipient_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        active = card_active(recipient)
        try:
            if action == "issue":
                services.card_issue(recipient=recipient, acting_user=request.user, request=request)
                return redirect("confirmations:card_pdf", recipient_id=recipient.pk)
            if action == "revoke" and active is not None:
                services.card_revoke(card=active, acting_user=request.user, request=request)
                messages.success(request, _("The card was revoked: its link no longer opens the page."))
            else:
                messages.error(request, _("Nothing to do: choose one of the buttons."))
        except DomainError as error:
            messages.error(request, str(error.message))
        return redirect("confirmations:card_page", recipient_id=recipient.pk)
    cards = ConfirmationCard.objects.filter(recipient=recipient).select_related("issued_by").order_by("-created_at")
    return render(
        request,
        "confirmations/card_page.html",
        {"recipient": recipient, "active": card_active(recipient), "cards": cards},
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def card_pdf(request: HttpRequest, recipient_id: int) -> HttpResponse:
    recipient = _recipient_for_cards(request, recipient_id)
    card = card_active(recipient)
    if card is None:
        messages.info(request, _("This person has no card yet: issue one first."))
        return redirect("confirmations:card_page", recipient_id=recipient.pk)
    return cards_response(request, [card], filename=f"confirmation-card-{recipient.pk}.pdf")


def cards_response(request: HttpRequest, cards: list[ConfirmationCard], *, filename: str) -> HttpResponse:
    """The PDF of these cards, recorded as printed; a missing font is the export's clear message (400)."""
    try:
        body = cards_pdf([PrintedCard(card=card, link=confirmation_link(card, request=request)) for card in cards])
    except DomainError as error:
        return HttpResponse(str(error.message), status=400, content_type="text/plain; charset=utf-8")
    services.card_printed(cards=cards, acting_user=request.user, request=request)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    add_never_cache_headers(response)
    return response
