"""Turn broken business rules into 400 answers with translated messages.

Services raise `DomainError` or Django's `ValidationError` (from `full_clean`); the admin shows
them on the form, the API answers them here, in the language LocaleMiddleware chose from
`Accept-Language` (Chinese by default).
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from eldercare.core.errors import DomainError


def validation_error_detail(error: DjangoValidationError | DomainError) -> dict | list:
    """The body of a 400 for a Django or domain error: `{field: [messages]}` like DRF's own."""
    if isinstance(error, DomainError):
        error = error.as_validation_error()
    if hasattr(error, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name): [
                str(message) for message in DjangoValidationError(messages).messages
            ]
            for name, messages in error.error_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: [str(message) for message in error.messages]}


def api_exception_handler(exc, context):
    """DRF's handler, plus DomainError and Django's ValidationError answered as 400."""
    if isinstance(exc, DomainError | DjangoValidationError):
        return Response(validation_error_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)
