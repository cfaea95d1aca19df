"""Stored rows the input policy would refuse today: found by model, field and id, never loaded.

A row may have slipped in before the policy, or by hand. Reads survive it (`core.read_guard`), but
someone must correct it; `manage.py find_bad_rows` (and the nightly check, through
`find_bad_rows()`) names each such row. The walk covers every installed model (`apps.get_models()`):

- every model: timestamps and dates Python cannot show in every UTC offset (the read bounds);
- the project's own models (apps under `eldercare.`) also: timestamps outside the plausible window
  (before the programme, or more than a day ahead, except those the system sets ahead by design),
  dates outside the calendar window, and text holding control characters.

Each check is one `SELECT id ... LIMIT` and one `COUNT` per field, selecting only ids (so a
timestamp Python cannot hold is never loaded); text checks scan their tables, so run it off-peak.
"""

import datetime as dt
from dataclasses import dataclass

from django.apps import apps
from django.db import connections, models
from django.db.models import Q
from django.utils import timezone

from .input_policy import (
    EARLIEST_DATE,
    EARLIEST_TIMESTAMP,
    FUTURE_ALLOWANCE,
    FUTURE_BY_DESIGN,
    LATEST_DATE,
    READ_CEILING,
    READ_DATE_CEILING,
    READ_DATE_FLOOR,
    READ_FLOOR,
    SQL_MULTILINE_FORBIDDEN,
    SQL_SINGLE_LINE_FORBIDDEN,
    is_multiline,
    is_text_field,
)

OWN_APPS_PREFIX = "eldercare."
IDS_SHOWN = 20

UNREADABLE = "unreadable"  # Python cannot show it in every UTC offset
IMPLAUSIBLE = "outside the window"
CONTROL_CHARACTERS = "control characters"


@dataclass(frozen=True)
class BadRows:
    model: str
    field: str
    problem: str
    count: int
    ids: tuple

    def __str__(self) -> str:
        shown = ", ".join(f"#{pk}" for pk in self.ids)
        more = f" … (+{self.count - len(self.ids)})" if self.count > len(self.ids) else ""
        return f"{self.model}.{self.field}: {self.count} row(s) {self.problem}: {shown}{more}"


def _is_own(model) -> bool:
    return model._meta.app_config.name.startswith(OWN_APPS_PREFIX)


def _checks(model, field, *, now: dt.datetime, vendor: str):
    """(problem, Q) pairs for one concrete field."""
    name = field.name
    own = _is_own(model)
    if isinstance(field, models.DateTimeField):
        yield UNREADABLE, Q(**{f"{name}__lt": READ_FLOOR}) | Q(**{f"{name}__gt": READ_CEILING})
        if own:
            latest = READ_CEILING if f"{model._meta.label}.{name}" in FUTURE_BY_DESIGN else now + FUTURE_ALLOWANCE
            yield (
                IMPLAUSIBLE,
                Q(**{f"{name}__gte": READ_FLOOR, f"{name}__lt": EARLIEST_TIMESTAMP})
                | Q(**{f"{name}__gt": latest, f"{name}__lte": READ_CEILING}),
            )
    elif isinstance(field, models.DateField):
        yield UNREADABLE, Q(**{f"{name}__lt": READ_DATE_FLOOR}) | Q(**{f"{name}__gt": READ_DATE_CEILING})
        if own:
            yield (
                IMPLAUSIBLE,
                Q(**{f"{name}__gte": READ_DATE_FLOOR, f"{name}__lt": EARLIEST_DATE})
                | Q(**{f"{name}__gt": LATEST_DATE, f"{name}__lte": READ_DATE_CEILING}),
            )
    elif own and is_text_field(field):
        pattern = SQL_MULTILINE_FORBIDDEN if is_multiline(field) else SQL_SINGLE_LINE_FORBIDDEN
        if vendor != "postgresql":  # PostgreSQL cannot store NUL (nor take it in a pattern); SQLite can
            pattern = pattern.replace("[", r"[\x00", 1)
        yield CONTROL_CHARACTERS, Q(**{f"{name}__regex": pattern})


def find_bad_rows(*, using: str = "default", now: dt.datetime | None = None, ids_shown: int = IDS_SHOWN):
    """Every (model, field, problem) with rows the policy would refuse, with their count and first ids."""
    now = now or timezone.now()
    vendor = connections[using].vendor
    found: list[BadRows] = []
    for model in apps.get_models():
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        rows = model._base_manager.using(using)
        for field in meta.concrete_fields:
            for problem, condition in _checks(model, field, now=now, vendor=vendor):
                matching = rows.filter(condition)
                ids = tuple(matching.order_by("pk").values_list("pk", flat=True)[:ids_shown])
                if ids:
                    count = len(ids) if len(ids) < ids_shown else matching.count()
                    found.append(BadRows(meta.label, field.name, problem, count, ids))
    return found
