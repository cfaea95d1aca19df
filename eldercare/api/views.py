"""The token endpoints: apps exchange a username and password for `Authorization: Token ...`, and revoke it.

Tokens are issued, expire and are revoked in `eldercare.accounts.tokens`. The login answers as the
admin's login page does: a wrong password is a 400, a locked account (django-axes, after
AXES_FAILURE_LIMIT failures) a 429 with the lockout message, and guessing is throttled per address.
"""

from django.contrib.auth import authenticate, user_logged_in
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from eldercare.accounts.lockout import lockout_response
from eldercare.accounts.models import ApiToken
from eldercare.accounts.tokens import (
    ExpiringTokenAuthentication,
    latest_expiry,
    token_issue,
    tokens_revoke,
    tokens_revoke_all,
)

from .parsers import PolicyJSONParser
from .serializers import StrictSerializer

AUTH_TAG = "auth"


class CredentialsSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150, label=gettext_lazy("username"))
    password = serializers.CharField(
        max_length=256, trim_whitespace=False, style={"input_type": "password"}, label=gettext_lazy("password")
    )


class RevokeSerializer(StrictSerializer):
    """No fields: the token to revoke is the one the request is signed in with. A key sent is refused."""


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=gettext_lazy("Send it as `Authorization: Token <token>`. It is shown only this once.")
    )
    expiry = serializers.DateTimeField(
        help_text=gettext_lazy("When the token expires if it is not used; every request moves this on.")
    )
    max_expiry = serializers.DateTimeField(help_text=gettext_lazy("When the token expires however much it is used."))


class TokenView(APIView):
    """POST a username and password as JSON; the answer is a new token with its expiry times."""

    authentication_classes = []  # a login: no session (so no CSRF check) and no token
    permission_classes = [AllowAny]
    parser_classes = [PolicyJSONParser]  # JSON only: one request content type
    # Password guessing is rate-limited per client address, and django-axes locks the account.
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        operation_id="auth_token_create",
        tags=[AUTH_TAG],
        request=CredentialsSerializer,
        responses={200: TokenSerializer},
        auth=[],
        summary=gettext_lazy("Log in: get an API token"),
        description=gettext_lazy(
            "Send the username and password as JSON. The answer holds a new token: send it with every "
            "request as `Authorization: Token <token>`. A token expires after a period without requests "
            "and, whatever its use, at `max_expiry`; then log in again. A wrong username or password is "
            "a 400. After repeated failures the account is locked for this address for a while: every "
            "login then answers 429 with the reason, even with the right password."
        ),
    )
    def post(self, request, *args, **kwargs):
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # django-axes reads and marks Django's own request (not DRF's wrapper around it).
        http_request = request._request
        user = authenticate(
            request=http_request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if getattr(http_request, "axes_locked_out", False):
            return lockout_response(http_request)
        if user is None:
            raise ValidationError({"non_field_errors": [_("Unable to log in with provided credentials.")]})
        token, text = token_issue(user=user, request=request)
        # The audit log's login event; django-axes forgets the earlier failures; last_login is set.
        user_logged_in.send(sender=user.__class__, request=http_request, user=user)
        return Response({"token": text, "expiry": token.expiry, "max_expiry": latest_expiry(token)})


@csrf_exempt  # whatever the method: it changes nothing, and a CSRF refusal would be an HTML 403
def not_found(request, *args, **kwargs):
    """Any address under /api/ that names no operation: DRF's 404 body, not the site's HTML page."""
    return JsonResponse({"detail": _("Not found.")}, status=404)


class TokenRevokeView(APIView):
    """Revoke the token this request carries (an app's log-out)."""

    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [PolicyJSONParser]

    @extend_schema(
        operation_id="auth_token_revoke",
        tags=[AUTH_TAG],
        request=RevokeSerializer,
        responses={204: None},
        summary=gettext_lazy("Log out: revoke this token"),
        description=gettext_lazy(
            "Revokes the token sent in the `Authorization` header: it stops working at once. "
            "The revocation is written to the audit log."
        ),
    )
    def post(self, request, *args, **kwargs):
        RevokeSerializer(data=request.data or {}).is_valid(raise_exception=True)
        if not isinstance(request.auth, ApiToken):  # signed in some other way (a test's forced login)
            raise NotAuthenticated(_("Send the token to revoke in the Authorization header."))
        reason = _("Revoked by its user.")
        tokens_revoke(tokens=[request.auth], acting_user=request.user, request=request, reason=reason)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenRevokeAllView(APIView):
    """Revoke every token of the signed-in user (a lost phone); with a token or the browser's session."""

    permission_classes = [IsAuthenticated]
    parser_classes = [PolicyJSONParser]

    @extend_schema(
        operation_id="auth_token_revoke_all",
        tags=[AUTH_TAG],
        request=RevokeSerializer,
        responses={204: None},
        summary=gettext_lazy("Revoke all my tokens"),
        description=gettext_lazy(
            "Revokes every API token of the signed-in user, on every device, the one sent with this "
            "request included (for a lost or stolen phone). The revocation is written to the audit log."
        ),
    )
    def post(self, request, *args, **kwargs):
        RevokeSerializer(data=request.data or {}).is_valid(raise_exception=True)
        tokens_revoke_all(
            user=request.user, acting_user=request.user, request=request, reason=_("All tokens revoked by their user.")
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
