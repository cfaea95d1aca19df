"""The OpenAPI schema says what the input policy enforces, so clients and fuzzers know it.

Registered by import (drf-spectacular's extension registry; `eldercare.api.serializers` imports this
module): every strict serializer's request body declares `additionalProperties: false`, since a
key it does not write is refused by name (a 400), not ignored.
"""

from drf_spectacular.extensions import OpenApiSerializerExtension


class StrictRequestBodies(OpenApiSerializerExtension):
    target_class = "eldercare.api.serializers.StrictSerializerMixin"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema
