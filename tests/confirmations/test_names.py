"""A caregiver is named on the public page by the given name alone: the rule and its edges."""

import pytest

from eldercare.confirmations.names import COMPOUND_SURNAMES, given_name, masked_name, split_name


@pytest.mark.parametrize(
    ("full", "given"),
    [
        ("王秀英", "秀英"),
        ("李娜", "娜"),
        ("欧阳娜娜", "娜娜"),
        ("司马光", "光"),
        ("诸葛亮", "亮"),
        ("上官婉儿", "婉儿"),
        ("东方明", "明"),
        ("皇甫嵩", "嵩"),
        ("尉迟恭", "恭"),
        ("公孙丽", "丽"),
        ("慕容雪", "雪"),
        ("夏侯惇", "惇"),
        ("长孙无忌", "无忌"),
        (" 张 伟 ", "伟"),  # spaces around and inside are tidied first
        ("阿依古丽·买买提", "阿依古丽"),
        ("Wang Fang", "Fang"),
        ("王", ""),
        ("", ""),
    ],
)
def test_the_given_name_drops_the_surname(full, given):
    assert given_name(full) == given


def test_a_two_character_name_starting_like_a_compound_surname_keeps_its_second_character():
    assert given_name("欧阳") == "阳"


def test_every_compound_surname_is_two_characters_and_dropped_whole():
    for surname in COMPOUND_SURNAMES:
        assert len(surname) == 2
        assert split_name(f"{surname}小明") == (surname, "小明")


def test_the_masked_name_keeps_the_surname_only():
    assert masked_name("王秀英") == "王**"
    assert masked_name("欧阳娜娜") == "欧阳**"
    assert masked_name("王") == "王*"
    assert masked_name("") == ""
