"""The token endpoint: apps exchange a username and password for `Authorization: Token ...`."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import AnonRateThrottle


class TokenView(ObtainAuthToken):
    """POST username and password; the answer is `{"token": ...}`, the same token on every call."""

    serializer_class = AuthTokenSerializer
    # ObtainAuthToken turns throttling off; password guessing here must be rate-limited too.
    throttle_classes = [AnonRateThrottle]

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
