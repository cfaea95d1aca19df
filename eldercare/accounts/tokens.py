"""API tokens (`Authorization: Token ...`): issued at login, expiring, revocable, every revocation audited.

django-rest-knox keeps the tokens: only a SHA-512 digest of each is stored (`accounts.ApiToken`), and
the token itself is shown once, to whoever logged in. On top of knox:

- a token expires `API_TOKEN_IDLE_HOURS` after its last request and `API_TOKEN_MAX_DAYS` after it was
  issued, whatever its use (knox's TOKEN_TTL with AUTO_REFRESH, and AUTO_REFRESH_MAX_TTL); an expired
  one is deleted when it is next presented, and answers 401 saying it expired;
- a user holds at most `API_TOKEN_LIMIT_PER_USER` tokens: a new one revokes the oldest;
- a token is revoked by its user (`POST /api/v1/auth/token/revoke/`, or all of theirs with
  `.../revoke-all/`) or by a system administrator (the admin's API tokens page): each revocation
  writes one audit event per token owner (`token_revoked`: who, whose, how many, why);
- a header that cannot be a token (not 64 hex digits) is refused before the database is asked.
"""

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_digest_token
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions

from eldercare.core.audit import audit_record
from eldercare.core.models import AuditEvent

from .models import ApiToken

INVALID_TOKEN = gettext_lazy("Invalid token.")
EXPIRED_TOKEN = gettext_lazy("The token has expired: log in again for a new one.")


def idle_lifetime() -> dt.timedelta:
    return knox_settings.TOKEN_TTL


def max_lifetime() -> dt.timedelta:
    return knox_settings.AUTO_REFRESH_MAX_TTL


def latest_expiry(token: ApiToken) -> dt.datetime:
    """The moment the token expires whatever its use: its absolute lifetime after it was issued."""
    return token.created + max_lifetime()


def is_expired(token: ApiToken, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (token.expiry is not None and token.expiry <= now) or latest_expiry(token) <= now


def _token_shape() -> re.Pattern:
    length = knox_settings.AUTH_TOKEN_CHARACTER_LENGTH
    return re.compile(rb"%s[0-9a-f]{%d}" % (re.escape(knox_settings.TOKEN_PREFIX.encode()), length))


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's `Authorization: Token ...`, with idle and absolute expiry and a refusal of malformed tokens."""

    def authenticate_credentials(self, token: bytes):
        if not _token_shape().fullmatch(token):
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        found = ApiToken.objects.select_related("user").filter(digest=hash_token(token.decode("ascii"))).first()
        if found is None:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        now = timezone.now()
        if is_expired(found, now):
            found.delete()  # expired for good: nothing to revoke, nothing to audit
            raise exceptions.AuthenticationFailed(EXPIRED_TOKEN)
        self._move_idle_expiry(found, now)
        return self.validate_user(found)

    def _move_idle_expiry(self, token: ApiToken, now: dt.datetime) -> None:
        """Each request moves the idle expiry on, never past the latest one; written at most once a minute."""
        wanted = min(now + idle_lifetime(), latest_expiry(token))
        if token.expiry is None or (wanted - token.expiry).total_seconds() > knox_settings.MIN_REFRESH_INTERVAL:
            ApiToken.objects.filter(pk=token.pk).update(expiry=wanted)
            token.expiry = wanted


@transaction.atomic
def token_issue(*, user, request=None) -> tuple[ApiToken, str]:
    """Issue a new API token to `user`, who has just proved their password; returns it and its text (shown once)."""
    now = timezone.now()
    mine = ApiToken.objects.filter(user=user)
    # 1. The user's expired tokens go (they could not be used any more).
    mine.filter(Q(expiry__lte=now) | Q(created__lte=now - max_lifetime())).delete()
    # 2. At most the limit: the oldest beyond it are revoked, and the audit log says why. The rows
    #    stay locked until the new token is written, so two logins at once cannot both skip this.
    limit = knox_settings.TOKEN_LIMIT_PER_USER
    if limit:
        live = list(mine.select_for_update().select_related("user").order_by("-created", "-digest"))
        excess = live[limit - 1 :]
        if excess:
            tokens_revoke(
                tokens=excess,
                acting_user=user,
                request=request,
                reason=_("A new token was issued beyond the limit of %(limit)d: the oldest is revoked.")
                % {"limit": limit},
            )
    # 3. The new token: its digest is stored, its text returned once.
    digest, text = get_digest_token()
    token = ApiToken.objects.create(
        digest=digest,
        token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH],
        user=user,
        expiry=now + min(idle_lifetime(), max_lifetime()),
    )
    return token, text


@transaction.atomic
def tokens_revoke(*, tokens: Iterable[ApiToken], acting_user, request=None, reason: str = "") -> int:
    """Revoke these tokens; one `token_revoked` audit event per owner, naming the tokens by digest prefix."""
    by_owner = defaultdict(list)
    for token in tokens:
        by_owner[token.user].append(token.digest)
    revoked = 0
    for owner, digests in by_owner.items():
        count, _deleted = ApiToken.objects.filter(digest__in=digests).delete()
        if not count:
            continue  # revoked meanwhile by someone else: their event says so
        revoked += count
        audit_record(
            action=AuditEvent.Action.TOKEN_REVOKED,
            user=acting_user,
            request=request,
            obj=owner,
            reason=str(reason),
            details={"tokens": sorted(digest[:12] for digest in digests), "count": count},
        )
    return revoked


def tokens_revoke_all(*, user, acting_user, request=None, reason: str = "") -> int:
    """Revoke every token of `user` (a lost phone, a leaver, a suspected leak)."""
    return tokens_revoke(
        tokens=list(ApiToken.objects.select_related("user").filter(user=user)),
        acting_user=acting_user,
        request=request,
        reason=reason,
    )
