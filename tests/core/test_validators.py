import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from eldercare.core.validators import (
    credit_code_check_char,
    parse_resident_id,
    validate_credit_code,
    validate_division_code,
)
from tests.factories import make_credit_code, make_resident_id

# A published sample number from GB 11643-1999.
STANDARD_EXAMPLE_ID = "11010519491231002X"
# A widely cited valid example of a unified social credit code.
KNOWN_GOOD_CREDIT_CODE = "91350100M000100Y43"


def error_code(callable_, value):
    with pytest.raises(ValidationError) as caught:
        callable_(value)
    return caught.value.code


def test_the_standard_example_id_number_parses_to_birth_date_and_sex():
    info = parse_resident_id(STANDARD_EXAMPLE_ID)
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.sex == "F"
    assert info.division_code == "110105"


def test_a_lowercase_x_check_character_is_accepted():
    assert parse_resident_id(STANDARD_EXAMPLE_ID.lower()).sex == "F"


def test_an_odd_sequence_digit_means_male():
    assert parse_resident_id(make_resident_id(sequence=123)).sex == "M"


def test_an_id_number_with_a_wrong_check_character_is_refused():
    assert error_code(parse_resident_id, STANDARD_EXAMPLE_ID[:-1] + "1") == "resident_id_checksum"


def test_an_id_number_of_the_wrong_length_is_refused():
    assert error_code(parse_resident_id, STANDARD_EXAMPLE_ID[:-1]) == "resident_id_length"
    assert error_code(parse_resident_id, STANDARD_EXAMPLE_ID + "1") == "resident_id_length"


def test_an_id_number_with_letters_inside_is_refused():
    assert error_code(parse_resident_id, "1101051949A231002X") == "resident_id_format"


def test_an_id_number_with_an_impossible_birth_date_is_refused():
    first17 = "11010519490230002"  # 30 February
    from eldercare.core.validators import resident_id_check_char

    assert error_code(parse_resident_id, first17 + resident_id_check_char(first17)) == "resident_id_birth_date"


def test_a_valid_credit_code_passes():
    validate_credit_code(KNOWN_GOOD_CREDIT_CODE)
    validate_credit_code(make_credit_code(42))


def test_a_credit_code_with_a_wrong_check_character_is_refused():
    code = make_credit_code(7)
    wrong = "0" if code[-1] != "0" else "1"
    assert error_code(validate_credit_code, code[:-1] + wrong) == "credit_code_checksum"


def test_a_credit_code_of_the_wrong_length_is_refused():
    assert error_code(validate_credit_code, KNOWN_GOOD_CREDIT_CODE[:-1]) == "credit_code_length"


def test_a_credit_code_with_forbidden_letters_is_refused():
    assert error_code(validate_credit_code, "91350100M0001O0Y43") == "credit_code_format"


def test_the_credit_code_check_character_matches_the_standard_algorithm():
    assert credit_code_check_char(KNOWN_GOOD_CREDIT_CODE[:17]) == KNOWN_GOOD_CREDIT_CODE[17]


@pytest.mark.parametrize("code", ["11011", "0101140", "010114", "11011a"])
def test_a_malformed_division_code_is_refused(code):
    assert error_code(validate_division_code, code) == "division_code_format"
