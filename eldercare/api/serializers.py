"""The base of every API serializer: the input policy (`eldercare.core.input_policy`) on each write.

- A key the serializer does not write (unknown, or read-only) is refused by name; nothing is saved.
- Raw values are checked for control characters before a field parses or looks them up, so none
  reaches the database; multi-line text (`NoteField`, or a model `TextField`) may hold tab and newline.
- Text without a declared limit gets the note limit; timestamps must fall in the policy's window,
  dates in its calendar window.
- Reads render a timestamp that cannot be shown in local time in UTC instead of failing.
"""

import datetime as dt
from collections.abc import Mapping

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty

from eldercare.core.input_policy import (
    NOTE_MAX_LENGTH,
    UNKNOWN_FIELD,
    UNKNOWN_FIELD_MESSAGE,
    raw_input_problem,
    timestamp_window_message,
    validate_date,
    validate_timestamp,
)

from . import schema  # noqa: F401 - registers the schema extension for strict request bodies

TEXTAREA = {"base_template": "textarea.html"}


class NoteField(serializers.CharField):
    """Free, multi-line text (a note, a reason) limited to the policy's note length."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", NOTE_MAX_LENGTH)
        kwargs.setdefault("style", TEXTAREA)
        super().__init__(**kwargs)


class ReadSafeDateTimeField(serializers.DateTimeField):
    """A timestamp; one stored before the policy that local time cannot show is given in UTC."""

    def to_representation(self, value):
        try:
            return super().to_representation(value)
        except (ValidationError, OverflowError):
            return value.astimezone(dt.UTC).isoformat() if timezone.is_aware(value) else value.isoformat()


def is_multiline(field: serializers.Field) -> bool:
    return getattr(field, "style", {}).get("base_template") == "textarea.html"


def apply_policy(field: serializers.Field) -> None:
    """Give a writable field the policy's checks on its parsed value (length, time windows)."""
    if isinstance(field, serializers.ListField | serializers.DictField):
        apply_policy(field.child)
    if isinstance(field, serializers.CharField) and field.max_length is None:
        field.max_length = NOTE_MAX_LENGTH
        message = field.error_messages["max_length"].format(max_length=NOTE_MAX_LENGTH)
        field.validators.append(MaxLengthValidator(NOTE_MAX_LENGTH, message=message))
    elif isinstance(field, serializers.DateTimeField):
        field.validators.append(validate_timestamp)
        # A time that overflows on conversion is outside the window too: say so in the same words.
        field.error_messages["overflow"] = timestamp_window_message()
    elif isinstance(field, serializers.DateField):
        field.validators.append(validate_date)


class StrictSerializerMixin:
    """Writes refuse unknown and read-only keys by name and raw values the policy refuses."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            if not field.read_only:
                apply_policy(field)
        return fields

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            return super().to_internal_value(data)
        writable = {name: field for name, field in self.fields.items() if not field.read_only}
        errors = {}
        for key in data:
            if key not in writable:
                errors[str(key)] = [serializers.ErrorDetail(str(UNKNOWN_FIELD_MESSAGE), code=UNKNOWN_FIELD)]
        for name, field in writable.items():
            value = field.get_value(data)
            if value is empty or isinstance(field, serializers.BaseSerializer):
                continue  # a nested serializer checks its own fields
            problem = raw_input_problem(value, multiline=is_multiline(field))
            if problem is not None:
                errors[name] = [serializers.ErrorDetail(problem.messages[0], code=problem.code)]
        if not errors:
            return super().to_internal_value(data)
        kept = {key: value for key, value in data.items() if key in writable and key not in errors}
        try:
            super().to_internal_value(kept)
        except ValidationError as exc:
            if isinstance(exc.detail, dict):
                errors = {**exc.detail, **errors}  # a refused field's own error is the policy's
        raise ValidationError(errors)


class StrictSerializer(StrictSerializerMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: ReadSafeDateTimeField,
    }
