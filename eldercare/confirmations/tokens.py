"""The token in a card's link (/confirm/<token>/): a signature over the card's random key.

`signing.Signer`, not `TimestampSigner`: the card is printed and kept at the older person's home
for the whole project cycle, and a link that stopped working on its own would leave them with no
way to answer. A card ends when it is revoked (lost, replaced), which makes its link answer 404.
The signature lets a forged or altered token be refused before any database lookup; the key itself
(256 random bits) is what the database knows, and a revoked or unknown key is refused by the lookup.
"""

from django.core import signing

from eldercare.recipients.models import ConfirmationCard

SALT = "eldercare.confirmations"
# A real token is 43 characters of key, a colon and 43 of signature; anything much longer is refused
# before it is even checked.
MAX_TOKEN_LENGTH = 128


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def card_token(card: ConfirmationCard) -> str:
    """The token printed in the card's QR code."""
    return _signer().sign(card.key)


def active_card_for(token: str) -> ConfirmationCard | None:
    """The active card a token names, or None for a forged, altered, unknown or revoked one."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None
    try:
        key = _signer().unsign(token)
    except signing.BadSignature:
        return None
    return (
        ConfirmationCard.objects.select_related("recipient__area__region", "recipient__area__batch")
        .filter(key=key, revoked_at__isnull=True)
        .first()
    )
