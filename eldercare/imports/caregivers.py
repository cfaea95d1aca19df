"""Import caregivers through `providers.services.caregiver_save`.

A row is already imported when its provider has a caregiver with its employee number (skipped); the
providers and those numbers are looked up in one query each.
"""

from django.core.exceptions import ValidationError

from eldercare.core.errors import DomainError
from eldercare.providers.models import Caregiver, Provider
from eldercare.providers.services import caregiver_save

from .columns import CAREGIVERS
from .reading import CellError, ParsedRow, service_errors

# The column a repeated row is named by.
KEY_COLUMN = "employee_number"
KIND = CAREGIVERS
IMPORT_REASON = "import_records"


def row_key(row: ParsedRow) -> tuple | None:
    if "provider" not in row.values or "employee_number" not in row.values:
        return None
    return (row.values["provider"], row.values["employee_number"])


def existing_keys(rows: list[ParsedRow]) -> set[tuple]:
    codes = {row.values["provider"] for row in rows if "provider" in row.values}
    return set(
        Caregiver.objects.filter(provider__credit_code__in=codes).values_list(
            "provider__credit_code", "employee_number"
        )
    )


def write_rows(rows: list[ParsedRow], acting_user) -> tuple[int, int, list[CellError]]:
    codes = {row.values["provider"] for row in rows}
    providers = {p.credit_code: p for p in Provider.objects.filter(credit_code__in=codes)}
    created, errors = [], []
    for row in rows:
        values = row.values
        provider = providers[values["provider"]]
        try:
            created.append(
                caregiver_save(
                    acting_user=acting_user,
                    reason=IMPORT_REASON,
                    provider=provider,
                    employee_number=values["employee_number"],
                    name=values["name"],
                    phone=values.get("phone", ""),
                    is_active=values.get("is_active", True),
                )
            )
        except (ValidationError, DomainError) as error:
            errors.extend(service_errors(row.line, error, KIND, {}))
    return len(created), 0, errors
