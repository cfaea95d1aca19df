"""The admin's view of confirmation cards and the older person's answers: read-only, with a revoke action.

Cards are issued and printed from the recipient's page (`RecipientCardsAdminMixin`, mixed into the
recipient admin) and from the card page it links to; answers come only from the public page. So
nothing here adds or edits a row: the card list can revoke, and that is all.
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from eldercare.core.admin import NoDeleteInlineMixin, NoDeleteMixin
from eldercare.core.errors import DomainError
from eldercare.recipients.models import ConfirmationCard
from eldercare.visits.models import VisitConfirmation

from . import services
from .selectors import may_handle_cards

# Cards printed in one go from the recipient list: one A6 page each, made while the request waits.
MAX_CARDS_PER_PRINT = 200


class ReadOnlyAdmin(NoDeleteMixin, admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ConfirmationCard)
class ConfirmationCardAdmin(ReadOnlyAdmin):
    # The key is the card's secret: never shown, not even to administrators.
    fields = ["recipient", "created_at", "issued_by", "revoked_at"]
    readonly_fields = fields
    list_display = ["recipient", "created_at", "issued_by", "revoked_at", "in_use"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["recipient", "issued_by"]
    search_fields = ["recipient__name", "=recipient__id"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["revoke_cards"]

    def lookup_allowed(self, lookup, value, request=None):
        # The recipient page links to that person's cards (?recipient__id__exact=<id>).
        return lookup == "recipient__id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("in use"), boolean=True)
    def in_use(self, card: ConfirmationCard) -> bool:
        return card.revoked_at is None

    @admin.action(description=_("Revoke the selected cards (their links stop working)"))
    def revoke_cards(self, request, queryset):
        revoked, refused = 0, 0
        for card in queryset.select_related("recipient").filter(revoked_at__isnull=True):
            if not may_handle_cards(request.user, card.recipient):
                refused += 1
                continue
            try:
                services.card_revoke(card=card, acting_user=request.user, request=request)
            except DomainError:  # revoked by someone else meanwhile
                continue
            revoked += 1
        if revoked:
            messages.success(request, ngettext("%d card revoked.", "%d cards revoked.", revoked) % revoked)
        if refused:
            messages.error(
                request,
                ngettext(
                    "%d card not revoked: you may not change that person's record.",
                    "%d cards not revoked: you may not change those people's records.",
                    refused,
                )
                % refused,
            )
        if not (revoked or refused):
            messages.info(request, gettext("No card in use was selected."))


@admin.register(VisitConfirmation)
class VisitConfirmationAdmin(ReadOnlyAdmin):
    fields = ["visit", "took_place", "rating", "card", "created_at"]
    readonly_fields = fields
    list_display = ["visit", "took_place", "rating", "created_at"]
    list_filter = ["took_place", "rating"]
    list_select_related = ["visit__recipient", "visit__category"]
    search_fields = ["=visit__id", "visit__recipient__name"]
    date_hierarchy = "created_at"
    show_full_result_count = False


class ConfirmationCardInline(NoDeleteInlineMixin, admin.TabularInline):
    """The person's cards, newest first, on the recipient's page; revoked from the card list or page."""

    model = ConfirmationCard
    fields = ["created_at", "issued_by", "revoked_at"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RecipientCardsAdminMixin:
    """For the recipient admin: the card's link on the change page, the cards inline, a print action.

    Shown only to users who may write the person (`may_handle_cards`); the action and the card page
    check it again per person.
    """

    confirmation_card_fieldset = (_("Confirmation card (扫码确认)"), {"fields": ["confirmation_card"]})

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if obj is not None and may_handle_cards(request.user, obj):
            inlines.append(ConfirmationCardInline)
        return inlines

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and obj.pk is not None and may_handle_cards(request.user, obj):
            fieldsets.append(self.confirmation_card_fieldset)
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "confirmation_card"] if "confirmation_card" not in readonly else readonly

    @admin.display(description=_("Confirmation card"))
    def confirmation_card(self, recipient) -> str:
        if recipient is None or recipient.pk is None:
            return "-"
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("confirmations:card_page", args=[recipient.pk]),
            gettext("Print the confirmation card"),
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if request.user.has_perm("recipients.change_recipient"):
            name = "print_confirmation_cards"
            action = type(self).print_confirmation_cards
            actions[name] = (action, name, action.short_description)
        return actions

    @admin.action(description=_("Print confirmation cards (issuing one to those who have none)"))
    def print_confirmation_cards(self, request, queryset):
        from .views import cards_response

        people = list(queryset.select_related("area__region", "area__batch")[: MAX_CARDS_PER_PRINT + 1])
        if len(people) > MAX_CARDS_PER_PRINT:
            messages.error(
                request,
                gettext("Print at most %(count)d cards at once: select fewer people.") % {"count": MAX_CARDS_PER_PRINT},
            )
            return None
        allowed = [person for person in people if may_handle_cards(request.user, person)]
        if not allowed:
            messages.error(request, gettext("You may not print cards for these people."))
            return None
        cards = [
            services.card_for_printing(recipient=person, acting_user=request.user, request=request)
            for person in allowed
        ]
        return cards_response(request, cards, filename="confirmation-cards.pdf")
