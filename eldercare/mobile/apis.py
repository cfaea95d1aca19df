"""The phone page's one read: GET /m/api/today/ (the signed-in caregiver's day), with the API's token."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from eldercare.api.base import refuse_hostile_query_parameters

from .selectors import phone_today


@extend_schema(exclude=True)  # the phone page's own endpoint, not part of the public API
class TodayView(APIView):
    """Today's people, service catalogue and visits for a caregiver or provider staff (403 for other roles).

    Authenticated like the API (`Authorization: Token ...`, or the browser's session): the page keeps
    its token on the phone. The answer holds names, so no shared cache may keep it; the page's
    service worker keeps the last one for offline use and drops it when the caregiver signs out.
    """

    permission_classes = [IsAuthenticated]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        refuse_hostile_query_parameters(request)

    def get(self, request, *args, **kwargs):
        try:
            data = phone_today(request.user)
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        response = Response(data)
        response["Cache-Control"] = "private, no-store"
        return response
