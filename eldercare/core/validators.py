"""Validators for the national identifiers the system relies on.

- Resident identity number (公民身份号码, GB 11643-1999): 6-digit division code, birth date
  YYYYMMDD, 3-digit sequence (odd for men), and an ISO 7064 MOD 11-2 check character.
- Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a 31-letter
  alphabet, the last a MOD 31 check character.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"
RESIDENT_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_CODE_PATTERN = re.compile(rf"^[{CREDIT_CODE_ALPHABET}]{{18}}$")

DIVISION_CODE_PATTERN = re.compile(r"^[1-9]\d{5}$")

SEX_MALE = "M"
SEX_FEMALE = "F"


@dataclass(frozen=True)
class ResidentIdInfo:
    division_code: str
    birth_date: dt.date
    sex: str

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def normalize_resident_id(value: str) -> str:
    return (value or "").strip().upper()


def resident_id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def parse_resident_id(value: str) -> ResidentIdInfo:
    """Check a resident ID number and return what it encodes; raise ValidationError if invalid."""
    number = normalize_resident_id(value)
    if len(number) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters; this one has %(length)d."),
            code="resident_id_length",
            params={"length": len(number)},
        )
    if not RESIDENT_ID_PATTERN.match(number):
        raise ValidationError(
            _("A resident ID number is 17 digits followed by a digit or X."), code="resident_id_format"
        )
    try:
        birth_date = dt.datetime.strptime(number[6:14], "%Y%m%d").date()  # noqa: DTZ007 - a date, not a time
    except ValueError:
        raise ValidationError(
            _("The birth date %(digits)s in the resident ID number is not a real date."),
            code="resident_id_birth_date",
            params={"digits": number[6:14]},
        ) from None
    if birth_date.year < 1880:
        raise ValidationError(
            _("The birth date %(digits)s in the resident ID number is not a real date."),
            code="resident_id_birth_date",
            params={"digits": number[6:14]},
        )
    expected = resident_id_check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(
            _("The check character of the resident ID number is wrong: the number is mistyped."),
            code="resident_id_checksum",
        )
    sex = SEX_MALE if int(number[16]) % 2 == 1 else SEX_FEMALE
    return ResidentIdInfo(division_code=number[:6], birth_date=birth_date, sex=sex)


def validate_resident_id(value: str) -> None:
    parse_resident_id(value)


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Check a unified social credit code (统一社会信用代码); raise ValidationError if invalid."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(length)d."),
            code="credit_code_length",
            params={"length": len(code)},
        )
    if not CREDIT_CODE_PATTERN.match(code):
        raise ValidationError(
            _("A unified social credit code uses only digits and capital letters other than I, O, S, V and Z."),
            code="credit_code_format",
        )
    if code[17] != credit_code_check_char(code[:17]):
        raise ValidationError(
            _("The check character of the unified social credit code is wrong: the code is mistyped."),
            code="credit_code_checksum",
        )


def validate_division_code(value: str) -> None:
    if not DIVISION_CODE_PATTERN.match(value or ""):
        raise ValidationError(
            _("An administrative division code is 6 digits, the first not 0 (e.g. 110114)."),
            code="division_code_format",
        )
