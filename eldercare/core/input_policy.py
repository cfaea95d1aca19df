"""The one input policy: what every write path accepts (API single and bulk, admin forms, imports).

Each rule lives here once; the paths call it and name the field in the user's language.

- **Text**: no control characters: NUL and the other C0 characters, DEL, the C1 range and lone
  surrogates (which no database can store as text). Multi-line text (notes, reasons: model
  `TextField`s) may hold tab, newline and carriage return; single-line text may not.
- **Lengths**: a field's limit is its model field's `max_length`; free text without one (a
  `TextField`) is limited to `NOTE_MAX_LENGTH`, in every path.
- **Timestamps** must round-trip through the database and Python and be plausible: not before the
  programme (2021-01-01 in Beijing), not more than `FUTURE_ALLOWANCE` after now, whatever UTC
  offset they were written in. **Dates** must lie within a calendar window that no date
  arithmetic overflows (the oldest birth date a resident ID may carry to the end of 2100).
- **Request bodies** are at most `MAX_BODY_BYTES` and nest at most `MAX_JSON_DEPTH` levels.
- **Unknown fields** in a write are refused, each named (`unknown_fields_error`).

Reads: a row stored before the policy (or by hand) may still hold a timestamp Python cannot
represent in every UTC offset; `READ_FLOOR` and `READ_CEILING` bound what a read hands on
(`eldercare.core.read_guard`), and `manage.py find_bad_rows` names such rows.
"""

import datetime as dt
import re
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

PROGRAMME_TIMEZONE = ZoneInfo("Asia/Shanghai")
# The programme's first batch is of 2021: nothing it records happened earlier.
EARLIEST_TIMESTAMP = dt.datetime(2021, 1, 1, tzinfo=PROGRAMME_TIMEZONE)
# A phone's clock may run ahead, and an entry may be made near midnight in another offset.
FUTURE_ALLOWANCE = dt.timedelta(days=1)
# Dates: from the oldest birth date a resident ID may carry (core.validators) to the end of 2100.
EARLIEST_DATE = dt.date(1880, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)

# Free text without a model max_length (notes, reasons, resolution notes): the same limit everywhere.
NOTE_MAX_LENGTH = 2000
# A reason kept only as a history row's change reason (django-simple-history's 100-character column).
CHANGE_REASON_MAX_LENGTH = 100
# A bulk upload of 1,000 visits, each with a 2,000-character Chinese note escaped as \uXXXX (as
# Python's json.dumps writes it), is about 12.5 MB; nothing else comes close.
MAX_BODY_BYTES = 16 * 1024 * 1024
# The deepest legitimate body is a bulk upload: {"visits": [{"items": ["..."]}]}, four levels.
MAX_JSON_DEPTH = 10

# What a read hands on: any UTC offset (-12:00 to +14:00) and a day of arithmetic around these
# bounds stay within Python's years 1-9999.
BIGINT_MAX = 2**63 - 1
READ_FLOOR = dt.datetime(1, 1, 3, tzinfo=dt.UTC)
READ_CEILING = dt.datetime(9999, 12, 29, tzinfo=dt.UTC)
READ_DATE_FLOOR = dt.date(1, 1, 3)
READ_DATE_CEILING = dt.date(9999, 12, 29)

# Timestamps the system itself sets in the future (a file's expiry): only the round trip applies.
FUTURE_BY_DESIGN = frozenset({"exports.ExportJob.expires_at"})

# Characters no text may hold, and the three that multi-line text may.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
MULTILINE_FORBIDDEN = re.compile(f"[{_CONTROL}]")
SINGLE_LINE_FORBIDDEN = re.compile(f"[{_CONTROL}\t\n\r]")
# The same classes for a database regex (PostgreSQL cannot store NUL or surrogates; SQLite can store NUL).
SQL_MULTILINE_FORBIDDEN = r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
SQL_SINGLE_LINE_FORBIDDEN = r"[\x01-\x1f\x7f-\x9f]"

CONTROL_CHARACTER = "control_character"
TIMESTAMP_WINDOW = "timestamp_window"
DATE_WINDOW = "date_window"
UNKNOWN_FIELD = "unknown_field"


def forbidden_character(value: str, *, multiline: bool) -> str | None:
    """The first character `value` may not hold, as U+XXXX, or None."""
    found = (MULTILINE_FORBIDDEN if multiline else SINGLE_LINE_FORBIDDEN).search(value)
    return f"U+{ord(found.group()):04X}" if found else None


def control_character_error(code_point: str) -> ValidationError:
    return ValidationError(
        _("This contains the control character %(character)s, which is not allowed here."),
        code=CONTROL_CHARACTER,
        params={"character": code_point},
    )


def raw_input_problem(value, *, multiline: bool = False) -> ValidationError | None:
    """The policy's objection to a raw input value (text, or lists and objects of it), or None.

    Runs before a value is parsed or looked up, so no control character reaches the database; the
    body's size and depth limits bound the walk.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found = forbidden_character(item, multiline=multiline)
            if found:
                return control_character_error(found)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return None


@deconstructible
class TextValidator:
    """No control characters (tab, newline and carriage return allowed in multi-line text)."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value) -> None:
        if isinstance(value, str):
            found = forbidden_character(value, multiline=self.multiline)
            if found:
                raise control_character_error(found)

    def __eq__(self, other) -> bool:
        return isinstance(other, TextValidator) and other.multiline == self.multiline


def timestamp_window(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    return EARLIEST_TIMESTAMP, (now or timezone.now()) + FUTURE_ALLOWANCE


def validate_timestamp(value: dt.datetime, *, now: dt.datetime | None = None) -> None:
    """A timestamp the programme could have recorded: within the window, in any UTC offset."""
    if not isinstance(value, dt.datetime):
        return
    earliest, latest = timestamp_window(now)
    if timezone.is_naive(value):
        inside = earliest.replace(tzinfo=None) <= value <= timezone.localtime(latest).replace(tzinfo=None)
    else:
        inside = earliest <= value <= latest  # comparing aware values converts nothing, so nothing overflows
    if not inside:
        raise ValidationError(timestamp_window_message(now), code=TIMESTAMP_WINDOW)


def timestamp_window_message(now: dt.datetime | None = None) -> str:
    """What a refused timestamp is told, in the active language."""
    earliest, latest = timestamp_window(now)
    return _("Give a time between %(earliest)s and %(latest)s (Beijing time).") % {
        "earliest": earliest.strftime("%Y-%m-%d %H:%M"),
        "latest": latest.astimezone(PROGRAMME_TIMEZONE).strftime("%Y-%m-%d %H:%M"),
    }


def validate_date(value: dt.date) -> None:
    """A calendar date that date arithmetic cannot overflow."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        return
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            _("Give a date between %(earliest)s and %(latest)s."),
            code=DATE_WINDOW,
            params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )


def is_multiline(model_field: models.Field) -> bool:
    """Free text (a `TextField`) may span lines; every other text field is one line."""
    return isinstance(model_field, models.TextField)


def text_max_length(model_field: models.Field) -> int | None:
    """The length limit of a text model field in every path: its max_length, or the note limit."""
    if isinstance(model_field, models.TextField):
        return model_field.max_length or NOTE_MAX_LENGTH
    if isinstance(model_field, models.CharField):
        return model_field.max_length
    return None


def is_text_field(model_field: models.Field) -> bool:
    return isinstance(model_field, models.CharField | models.TextField)


def validate_model_value(model_field: models.Field, value) -> None:
    """The policy for a parsed value of a model field: text (characters, length), timestamps, dates."""
    if isinstance(value, str) and is_text_field(model_field):
        TextValidator(multiline=is_multiline(model_field))(value)
        limit = text_max_length(model_field)
        if limit is not None:
            MaxLengthValidator(limit)(value)
    elif isinstance(model_field, models.DateTimeField):
        validate_timestamp(value)
    elif isinstance(model_field, models.DateField):
        validate_date(value)


def plausible_id(value) -> int | None:
    """A row id: a positive bigint, given as a number or ASCII digits; anything else is None.

    Never rounded (1.5 is no id) and never sent to the database out of range (which fails there).
    """
    if isinstance(value, str):
        text = value.strip()
        value = int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 < value <= BIGINT_MAX else None


UNKNOWN_FIELD_MESSAGE = _("This field cannot be written here; nothing was saved.")


def unknown_fields_error(names: Iterable[str]) -> ValidationError:
    """Refuse fields a write does not take, each by name (never drop them silently)."""
    return ValidationError({name: ValidationError(UNKNOWN_FIELD_MESSAGE, code=UNKNOWN_FIELD) for name in sorted(names)})


def json_depth(value) -> int:
    """How deeply lists and objects nest in `value` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def read_safe(value):
    """A stored timestamp or date as reads hand it on: within the bounds every offset can show."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            return min(max(value, READ_FLOOR), READ_CEILING)
        return min(max(value, READ_FLOOR.replace(tzinfo=None)), READ_CEILING.replace(tzinfo=None))
    if isinstance(value, dt.date):
        return min(max(value, READ_DATE_FLOOR), READ_DATE_CEILING)
    return value
