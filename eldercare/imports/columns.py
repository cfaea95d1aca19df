"""The columns of each import template (recipients, caregivers, visits), declared once.

A `Column` names its Chinese header, the key the importer reads it into, its type, whether it is
required (its header then ends in *), and where its allowed values come from. The template writer
(`template.py`), the reader (`reading.py`, through `areas.importers.TableSpec`) and every error
message use these declarations, so a header, a drop-down and a message can never disagree.
"""

from collections.abc import Callable
from dataclasses import dataclass

from eldercare.areas.importers import TableSpec

TEXT, DATE, CODE, CHOICE, INTEGER, DATETIME, BOOLEAN = (
    "text",
    "date",
    "code",
    "choice",
    "integer",
    "datetime",
    "boolean",
)

# The Chinese words clerks use for the coded values (the models' labels are English msgids).
SEX_WORDS = {"M": "男", "F": "女"}
ECONOMIC_WORDS = {
    "extremely_poor": "特困分散供养",
    "minimum_allowance": "低保",
    "near_minimum": "低保边缘",
    "expense_hardship": "支出型困难",
    "none": "无经济困难",
}
LEVEL_WORDS = {
    "intact": "能力完好",
    "mild": "轻度失能",
    "moderate": "中度失能",
    "severe": "重度失能",
    "complete": "完全失能",
}
YES_NO_WORDS = {True: "是", False: "否"}
SATISFACTION_WORDS = {"satisfied": "满意", "fairly_satisfied": "基本满意", "dissatisfied": "不满意"}


def _fixed(words: dict) -> Callable[[], list[tuple[str, object]]]:
    return lambda: [(word, value) for value, word in words.items()]


def _townships():
    from eldercare.areas.models import Township

    return [(code, code) for code in Township.objects.order_by("code").values_list("code", flat=True)]


def _township_names():
    from eldercare.areas.models import Township

    return dict(Township.objects.values_list("code", "name"))


def _providers():
    from eldercare.providers.models import Provider

    return [(code, code) for code in Provider.objects.order_by("credit_code").values_list("credit_code", flat=True)]


def _provider_names():
    from eldercare.providers.models import Provider

    return dict(Provider.objects.values_list("credit_code", "name"))


def _batch_years():
    from eldercare.areas.models import Batch

    return [(str(year), year) for year in Batch.objects.order_by("year").values_list("year", flat=True)]


def _categories():
    from eldercare.visits.models import ServiceCategory

    return [(code, code) for code in ServiceCategory.objects.order_by("code").values_list("code", flat=True)]


def _category_names():
    from eldercare.visits.models import ServiceCategory

    return dict(ServiceCategory.objects.values_list("code", "name"))


@dataclass(frozen=True)
class Choices:
    """Where a coded column's values come from: (shown, stored) pairs, and names shown beside codes."""

    name: str
    values: Callable[[], list[tuple[str, object]]]
    names: Callable[[], dict[str, str]] | None = None


SEX = Choices("性别", _fixed(SEX_WORDS))
ECONOMIC = Choices("经济困难类别", _fixed(ECONOMIC_WORDS))
LEVEL = Choices("能力等级", _fixed(LEVEL_WORDS))
YES_NO = Choices("是否", _fixed(YES_NO_WORDS))
SATISFACTION = Choices("满意度", _fixed(SATISFACTION_WORDS))
TOWNSHIP = Choices("乡镇（街道）", _townships, _township_names)
PROVIDER = Choices("服务机构", _providers, _provider_names)
BATCH = Choices("批次年份", _batch_years)
CATEGORY = Choices("服务类别", _categories, _category_names)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    type: str
    required: bool = False
    choices: Choices | None = None
    help: str = ""
    example: str = ""

    @property
    def header(self) -> str:
        return f"{self.label}*" if self.required else self.label


@dataclass(frozen=True)
class Kind:
    name: str
    title: str
    columns: tuple[Column, ...]
    max_rows: int

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)

    @property
    def spec(self) -> TableSpec:
        return TableSpec(
            aliases={column.key: (column.header, column.label, column.key) for column in self.columns},
            required=tuple(column.key for column in self.columns if column.required),
            labels={column.key: column.label for column in self.columns},
            max_rows=self.max_rows,
        )


# A district's roster: tens of thousands of people at most.
MAX_IMPORT_ROWS = 50_000

RECIPIENTS = Kind(
    name="recipients",
    title="服务对象",
    max_rows=MAX_IMPORT_ROWS,
    columns=(
        Column("resident_id", "身份证号", TEXT, True, help="18位公民身份号码，末位可为X", example="110114195001011234"),
        Column("name", "姓名", TEXT, True, example="张三"),
        Column("sex", "性别", CHOICE, choices=SEX, help="可不填；填写时须与身份证号一致", example="男"),
        Column("batch", "批次年份", CHOICE, True, choices=BATCH, help="纳入的项目批次", example="2024"),
        Column(
            "township", "乡镇（街道）代码", CODE, True, choices=TOWNSHIP, help="9位乡级区划代码", example="110114001"
        ),
        Column("economic_category", "经济困难类别", CHOICE, True, choices=ECONOMIC, example="低保"),
        Column("address", "居住地址", TEXT, True, example="城北街道某小区1号楼101"),
        Column("phone", "联系电话", TEXT, example="13800000000"),
        Column("guardian_name", "监护人或紧急联系人", TEXT, example="张小三"),
        Column("guardian_phone", "监护人电话", TEXT, example="13900000000"),
        Column("provider", "服务机构信用代码", CODE, choices=PROVIDER, help="18位统一社会信用代码"),
        Column("assessed_on", "评估日期", DATE, help="日期，如 2024-03-01；填写评估时日期、等级、评估人均须填写"),
        Column("level", "能力等级", CHOICE, choices=LEVEL, example="重度失能"),
        Column("assessor_name", "评估人", TEXT, example="李四"),
        Column("assessor_provider", "评估机构信用代码", CODE, choices=PROVIDER, help="18位统一社会信用代码"),
    ),
)

CAREGIVERS = Kind(
    name="caregivers",
    title="服务人员",
    max_rows=MAX_IMPORT_ROWS,
    columns=(
        Column("provider", "服务机构信用代码", CODE, True, choices=PROVIDER, help="18位统一社会信用代码"),
        Column("employee_number", "工号", TEXT, True, help="在本机构内唯一", example="A001"),
        Column("name", "姓名", TEXT, True, example="王五"),
        Column("phone", "联系电话", TEXT, example="13700000000"),
        Column("is_active", "是否在职", CHOICE, choices=YES_NO, help="可不填，默认为“是”", example="是"),
    ),
)

VISITS = Kind(
    name="visits",
    title="上门服务记录",
    # The bulk upload takes 1,000 visits a call; a file is sent in such slices, in one transaction.
    max_rows=MAX_IMPORT_ROWS,
    columns=(
        Column("recipient", "服务对象身份证号", TEXT, True, help="已登记的服务对象", example="110114195001011234"),
        Column("provider", "服务机构信用代码", CODE, choices=PROVIDER, help="可不填，默认为服务人员所属机构"),
        Column("caregiver", "服务人员工号", TEXT, True, help="服务人员在其机构的工号", example="A001"),
        Column("category", "服务类别代码", CODE, True, choices=CATEGORY, example="life-care"),
        Column("items", "服务项目代码", TEXT, help="多个项目用逗号分隔", example="cleaning,bathing"),
        Column(
            "started_at", "开始时间", DATETIME, True, help="日期时间，如 2024-03-01 09:30", example="2024-03-01 09:30"
        ),
        Column(
            "ended_at", "结束时间", DATETIME, True, help="日期时间，如 2024-03-01 10:30", example="2024-03-01 10:30"
        ),
        Column("satisfaction", "满意度", CHOICE, choices=SATISFACTION, example="满意"),
        Column("note", "备注", TEXT),
        Column(
            "client_uuid",
            "记录编号",
            TEXT,
            help="可不填；不填时按本行内容生成，同一行重复导入不会重复记录",
            example="6f1c0c7e-9a51-4f5e-8f1e-0d6c2a1b9e11",
        ),
    ),
)

KINDS = {kind.name: kind for kind in (RECIPIENTS, CAREGIVERS, VISITS)}
