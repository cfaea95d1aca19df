"""The OpenAPI schema says what the API does, so clients, generated clients and fuzzers can rely on it.

Registered by import (drf-spectacular's extension registry; `eldercare.api.serializers` imports this
module): every strict serializer's request body declares `additionalProperties: false`, since a
key it does not write is refused by name (a 400), not ignored.

Also here, named in SPECTACULAR_SETTINGS and REST_FRAMEWORK: the API token's security scheme, the
schema class that keeps docstrings out of the public descriptions, and the hook that declares every
operation's 4xx answers with their bodies. Texts are translated when the schema is generated, so
`/api/schema/` is in Chinese by default and in English with `Accept-Language: en` (or `?lang=en`).
"""

from django.utils.translation import gettext
from drf_spectacular.drainage import get_override
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance


class StrictRequestBodies(OpenApiSerializerExtension):
    target_class = "eldercare.api.serializers.StrictSerializerMixin"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema


# --- Authentication: `Authorization: Token ...` ----------------------------------------------------


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """The API token (eldercare.accounts.tokens), named `tokenAuth` as before."""

    target_class = "eldercare.accounts.tokens.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": gettext(
                "`Token <token>`, with a token from POST /api/v1/auth/token/. A token expires after a "
                "period without requests and at its `max_expiry` whatever its use; "
                "POST /api/v1/auth/token/revoke/ revokes it."
            ),
        }


# --- Descriptions: written for API users, never the code's docstrings --------------------------------


class EldercareAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, except that an operation's (or a body's) description is only ever the
    one written for API users (`extend_schema(description=...)`, translated): docstrings of views and
    serializers are notes for the code's readers and stay out of the public contract."""

    def get_description(self) -> str:
        return ""

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if not get_override(force_instance(serializer), "description"):
            schema.pop("description", None)
        return schema


# --- Errors: every operation declares the 4xx answers it can give, with their bodies ----------------

ERROR = "Error"
VALIDATION_ERROR = "ValidationError"


def _error_components() -> dict:
    return {
        ERROR: {
            "type": "object",
            "description": gettext("An error: what went wrong, in the request's language."),
            "properties": {
                "detail": {
                    "type": "string",
                    "description": gettext("The message, in Chinese by default, in English with Accept-Language: en."),
                }
            },
            "required": ["detail"],
        },
        VALIDATION_ERROR: {
            "type": "object",
            "description": gettext(
                "A refused request: each field named with its messages (a list, or the nested errors of a "
                "list or object field); `non_field_errors` for the request as a whole; `detail` when the body "
                "could not be read at all. Nothing was saved."
            ),
            "properties": {
                "detail": {"type": "string", "description": gettext("Why the body could not be read.")},
                "non_field_errors": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": gettext("Messages about the request as a whole."),
                },
            },
            "additionalProperties": {},
        },
    }


def _error_responses() -> dict:
    def answer(component: str, description: str, **extra) -> dict:
        body = {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}}
        return {"description": description, "content": body, **extra}

    return {
        "400": answer(
            VALIDATION_ERROR,
            gettext("The request was refused: a field, a filter or the body is not acceptable; nothing was saved."),
        ),
        "401": answer(
            ERROR,
            gettext(
                "Not signed in: no token, an unknown, revoked or expired token, or no browser session. "
                "Log in at POST /api/v1/auth/token/."
            ),
        ),
        "403": answer(
            ERROR,
            gettext(
                "Signed in, but your role may not do this (auditors read only; some changes are for "
                "officials or providers), or a browser session sent no CSRF token."
            ),
        ),
        "404": answer(
            ERROR,
            gettext(
                "No such record within your scope (a record outside it answers the same), or no such page of a list."
            ),
        ),
        "415": answer(ERROR, gettext("The body is not JSON: send it with Content-Type: application/json.")),
        "429": answer(
            ERROR,
            gettext(
                "Too many requests: wait the seconds in Retry-After. At login, also an account locked after "
                "repeated failed logins."
            ),
            headers={
                "Retry-After": {
                    "description": gettext("Seconds to wait before trying again."),
                    "schema": {"type": "integer"},
                }
            },
        ),
    }


def _needs_authentication(operation: dict) -> bool:
    return any(requirement for requirement in operation.get("security", []))


def declare_error_responses(result, generator, request, public):
    """Postprocessing hook: each operation's 400 and 429, its 401 and 403 when it needs a login, its 404
    when it reads or names a record, and its 415 when it takes a body; all with the bodies DRF's error
    handler gives them."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.update(_error_components())
    responses = _error_responses()
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                # A filter's label, translated, would name the parameter's type in generated clients (a
                # Chinese class name in one language, an English one in the other): the name is enough.
                parameter.get("schema", {}).pop("title", None)
            codes = ["400", "429"]
            if _needs_authentication(operation):
                codes += ["401", "403"]
            if method == "get" or "{" in path:
                codes.append("404")
            if "requestBody" in operation:
                codes.append("415")
            for code in codes:
                operation["responses"].setdefault(code, responses[code])
    return result
