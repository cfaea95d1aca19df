"""How a caregiver is named to the older person: by the given name alone (the surname dropped).

The confirmation page is public (anyone holding the card's link opens it), so it names the caregiver
as the person at the door was addressed, never in full. Chinese names put the surname first: one
character, or two for the compound surnames below. Names of China's minorities written with a
middle dot (阿依古丽·买买提) put the personal name first and keep only it; names in Latin letters
("Wang Fang") are taken as surname first as well.
"""

# Compound surnames (复姓) still in use; a name starting with one of these and longer than two
# characters drops both. A two-character name is always one surname character and one given one.
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "夏侯",
        "长孙",
        "司徒",
        "司空",
        "令狐",
        "宇文",
        "端木",
        "独孤",
        "南宫",
        "呼延",
        "轩辕",
        "申屠",
        "太史",
        "万俟",
        "闻人",
        "澹台",
        "赫连",
        "拓跋",
    }
)
MIDDLE_DOTS = ("·", "•", "・", "‧", "．")


def split_name(full_name: str) -> tuple[str, str]:
    """(surname, given name) of a person's full name; either may be empty."""
    name = " ".join((full_name or "").split())
    if not name:
        return "", ""
    for dot in MIDDLE_DOTS:
        if dot in name:
            personal, _, family = name.partition(dot)
            return family.strip(), personal.strip()
    if " " in name:
        family, _, given = name.partition(" ")
        return family, given
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    if len(name) == 1:
        # One character cannot be split: treat it as the surname, so nothing of it is shown alone.
        return name, ""
    return name[:1], name[1:]


def given_name(full_name: str) -> str:
    """The given name alone: 王秀英 → 秀英, 欧阳娜娜 → 娜娜, 阿依古丽·买买提 → 阿依古丽."""
    return split_name(full_name)[1]


def masked_name(full_name: str) -> str:
    """The surname with the rest masked (王秀英 → 王**), for telling two cards of one family apart."""
    family, given = split_name(full_name)
    return f"{family}{'*' * max(len(given), 1)}" if family else ""
