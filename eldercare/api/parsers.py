"""The API's one JSON parser: bodies within the input policy's size and depth, errors in the user's language.

DRF's own parser reads the whole body first (Django then refuses a large one with an HTML page),
lets a deeply nested body raise RecursionError (a 500) and reports syntax errors in English. This
one reads at most `MAX_BODY_BYTES` (`eldercare.core.input_policy`), refuses anything but UTF-8 JSON
nested at most `MAX_JSON_DEPTH` levels, and says what is wrong in the active language (Chinese by
default, `Accept-Language: en` for English): always a 400.
"""

import json

from django.utils.translation import gettext as _
from rest_framework import renderers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from eldercare.core.input_policy import MAX_BODY_BYTES, MAX_JSON_DEPTH, json_depth

UTF8_NAMES = {"utf-8", "utf8", "utf_8"}


def _refuse_constant(name: str):
    raise ValueError(name)


def _too_large() -> ParseError:
    return ParseError(
        _("The request body is larger than %(limit)d MB.") % {"limit": MAX_BODY_BYTES // (1024 * 1024)},
        code="body_too_large",
    )


def too_deep() -> ParseError:
    return ParseError(
        _("The JSON body nests more than %(limit)d levels deep.") % {"limit": MAX_JSON_DEPTH}, code="too_deep"
    )


def json_syntax_error(line: int, column: int) -> ParseError:
    return ParseError(
        _("The request body is not valid JSON (line %(line)d, column %(column)d).") % {"line": line, "column": column},
        code="parse_error",
    )


def read_body(stream, request) -> bytes:
    """At most MAX_BODY_BYTES of the body; a longer one (declared or sent) is refused before it is read."""
    declared = request.META.get("CONTENT_LENGTH") if request is not None else None
    if declared and str(declared).isascii() and str(declared).isdigit() and int(str(declared)[:20]) > MAX_BODY_BYTES:
        raise _too_large()
    body = stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise _too_large()
    return body


def parse_json(body: bytes, *, encoding: str = "utf-8"):
    """UTF-8 JSON text to Python values, within the depth limit; every failure is a translated ParseError."""
    if encoding.lower() not in UTF8_NAMES:
        raise ParseError(_("Send the JSON body in UTF-8."), code="encoding")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError(_("The request body is not valid UTF-8."), code="encoding") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise too_deep() from None
    except json.JSONDecodeError as error:
        raise json_syntax_error(error.lineno, error.colno) from None
    except ValueError:  # NaN and Infinity are not JSON
        raise ParseError(
            _("The request body holds a number JSON does not allow (NaN or Infinity)."), code="nan"
        ) from None
    if json_depth(data) > MAX_JSON_DEPTH:
        raise too_deep()
    return data


class PolicyJSONParser(BaseParser):
    """`application/json` within the input policy (see the module's docstring)."""

    media_type = "application/json"
    renderer_class = renderers.JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context.get("request")
        body = read_body(stream, request)
        return parse_json(body, encoding=parser_context.get("encoding") or "utf-8")
