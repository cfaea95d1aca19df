"""Turn broken business rules into 400 answers with translated messages.

Services raise `DomainError` or Django's `ValidationError` (from `full_clean`); the admin shows
them on the form, the API answers them here, in the language LocaleMiddleware chose from
`Accept-Language` (Chinese by default).

A view that still parses with DRF's own JSON parser (the token endpoint) gets the input policy's
answers too: its English syntax errors are said in the user's language, and a body nested so deep
that decoding it recursed too far is a 400, not a 500 (`eldercare.api.parsers` says both).
"""

import re
import traceback

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from eldercare.core.errors import DomainError

from .parsers import json_syntax_error, too_deep

DRF_JSON_ERROR = re.compile(r"^JSON parse error - .*line (\d+) column (\d+)")


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
    """DRF's handler, plus DomainError and Django's ValidationError answered as 400 (and see the docstring)."""
    if isinstance(exc, DomainError | DjangoValidationError):
        return Response(validation_error_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RecursionError) and _raised_while_parsing(exc):
        exc = too_deep()
    elif isinstance(exc, ParseError) and (match := DRF_JSON_ERROR.match(str(exc.detail))):
        exc = json_syntax_error(int(match.group(1)), int(match.group(2)))
    return exception_handler(exc, context)


PARSING_FRAMES = ("/rest_framework/parsers.py", "/json/decoder.py")


def _raised_while_parsing(exc: BaseException) -> bool:
    """A RecursionError from decoding the body (elsewhere it is a bug, and stays a 500)."""
    return any(frame.filename.endswith(PARSING_FRAMES) for frame in traceback.extract_tb(exc.__traceback__))
