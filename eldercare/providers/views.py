"""The provider's home (服务机构首页): the page provider staff land on after signing in.

Provider staff and caregivers see their own provider. Officials, auditors and administrators may
open the home of a provider in their scope (`?provider=<id>`), or pick one from a list of those;
a provider outside the scope answers 404, a user without a role 403.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from eldercare.accounts.scoping import can_write, scope_of
from eldercare.recipients.models import Recipient

from . import selectors


def _chosen(request: HttpRequest):
    """The provider named by `?provider=`, within the user's scope; 404 for anything else."""
    raw = request.GET.get("provider", "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise Http404(_("No such provider."))
    provider = selectors.providers_for(request.user).filter(pk=int(raw)).first()
    if provider is None:
        raise Http404(_("No such provider."))
    return provider


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    if scope.role is None:
        raise PermissionDenied(_("Your account has no role yet; ask a system administrator."))
    own = selectors.own_provider(request.user)
    if "provider" in request.GET:
        provider = _chosen(request)
    elif own is not None:
        provider = own
    else:
        providers = selectors.providers_for(request.user).prefetch_related("areas__region", "areas__batch")
        return render(request, "providers/choose.html", {"providers": providers, "scope": scope})
    data = selectors.provider_home(request.user, provider, today=timezone.localdate())
    # Confirmation cards are printed by those who may write the provider's people (its staff and caregivers).
    cards = can_write(request.user, model=Recipient)
    context = {"home": data, "scope": scope, "own": own == provider, "can_print_cards": cards}
    return render(request, "providers/home.html", context)
