"""Request rates on the public confirmation page, counted in the configured cache (django-ratelimit).

The page needs no sign-in, so two limits keep it from being used to guess or to flood:

- per client address (the audit log's `client_ip`, so trusted proxies are honoured), every request
  to a confirmation link, good or bad: CONFIRMATION_RATE_PER_ADDRESS, default 60 a minute. A phone
  opening the page and answering a week of visits makes about twenty; a scanner of forged links is
  stopped after sixty. Mobile networks put many phones behind one address, hence not lower.
- per card, answers sent (POST): CONFIRMATION_RATE_PER_CARD, default 30 an hour. A week holds at
  most a dozen or so visits to answer; more is someone hammering one card.

Counts live in CACHES["default"]: Redis, shared by every process, when CACHE_URL/REDIS_URL is set
(failing open with the rest of the site's limits while Redis is down), this process's memory otherwise.
django_ratelimit is used as a library and is not in INSTALLED_APPS: its system check refuses the
local-memory cache of the embedded set-up, where one process counts everything anyway.
"""

from django.conf import settings
from django_ratelimit.core import get_usage

from eldercare.core.audit import client_ip

DEFAULT_RATE_PER_ADDRESS = "60/m"
DEFAULT_RATE_PER_CARD = "30/h"


def _address(group, request) -> str:
    return client_ip(request) or "unknown"


def _wait(usage) -> int | None:
    if usage is None or not usage["should_limit"]:
        return None
    return max(int(usage["time_left"]), 1)


def address_wait(request) -> int | None:
    """Seconds the client must wait before its next request, or None; counts this request."""
    rate = getattr(settings, "CONFIRMATION_RATE_PER_ADDRESS", DEFAULT_RATE_PER_ADDRESS)
    usage = get_usage(request, group="confirmations.address", key=_address, rate=rate, increment=True)
    return _wait(usage)


def card_wait(request, card_id: int) -> int | None:
    """Seconds before this card may send another answer, or None; counts this answer."""
    rate = getattr(settings, "CONFIRMATION_RATE_PER_CARD", DEFAULT_RATE_PER_CARD)
    usage = get_usage(
        request, group="confirmations.card", key=lambda group, request: str(card_id), rate=rate, increment=True
    )
    return _wait(usage)
