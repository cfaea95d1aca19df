"""What a locked-out login gets, on every login path: 429 and the lockout message.

django-axes counts failed logins (in the shared cache) and locks a username at an address after
`AXES_FAILURE_LIMIT` of them. The admin's login page answers with the lockout page; the API's token
endpoint with the same message as JSON (`{"detail": ...}`, like every API error), in the language the
request asked for. `AXES_LOCKOUT_CALLABLE` points here, so axes' middleware and the token view agree.
"""

import math

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

API_PREFIX = "/api/"


def lockout_message() -> str:
    """The lockout message in the active language (the same sentences as the lockout page)."""
    limit = settings.AXES_FAILURE_LIMIT
    message = ngettext(
        "Too many failed logins: after %(limit)s wrong password the account is locked for this address.",
        "Too many failed logins: after %(limit)s wrong passwords the account is locked for this address.",
        limit,
    ) % {"limit": limit}
    advice = _("Ask your system administrator to unlock the account, or try again later.")
    return f"{message} {advice}"


def retry_after_seconds() -> int:
    """How long the lock lasts, for the Retry-After header (AXES_COOLOFF_TIME is in hours)."""
    return max(1, math.ceil(float(settings.AXES_COOLOFF_TIME or 0) * 3600))


def lockout_response(request, original_response=None, credentials=None):
    """axes' lockout answer: JSON under /api/, the lockout page elsewhere; 429 both."""
    from axes.helpers import get_cool_off, get_failure_limit

    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith(API_PREFIX):
        response = JsonResponse({"detail": lockout_message()}, status=status)
        response["Retry-After"] = str(retry_after_seconds())
        return response
    context = {"failure_limit": get_failure_limit(request, credentials)}
    cool_off = get_cool_off(request)
    if cool_off:
        context["cooloff_timedelta"] = cool_off
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=status)
