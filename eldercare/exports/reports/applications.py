"""The applications ledger (申请审核流转台账): every step of every application, the trail as it stood at
the end of the as-of day, one row a step.

Steps are appended and never changed (`applications.ApplicationStep`), so the rows on or before the
as-of day are the trail as it was then; names of people, areas and organisations are read from the
current records, as in the other ledgers. Coded values use the fixed export vocabulary.
"""

from django.db.models import F

from eldercare.applications.models import ApplicationStep

from ..models import ExportKind
from .base import AREA_CODE, AREA_NAME, Column, Ledger, Report, Scope, Source, masked, word

DETAIL_LABELS = {
    "provider": "服务机构",
    "design_provider": "评估设计机构",
    "acceptance_provider": "验收机构",
    "caregivers": "服务人员",
    "fields": "修改项",
}


def _passed(row, _context) -> str:
    return "" if row["passed"] is None else ("通过" if row["passed"] else "不通过")


def _details(row, _context) -> str:
    """What else the step set, in words: organisations and caregivers by name, changed fields by name."""
    parts = []
    for key, value in sorted((row["details"] or {}).items()):
        if key == "caregivers":
            text = "、".join(str(name) for _pk, name in value)
        elif key == "fields":
            text = "、".join(str(name) for name in value)
        elif isinstance(value, list | tuple) and len(value) == 2:
            text = str(value[1])
        else:
            text = str(value)
        parts.append(f"{DETAIL_LABELS.get(key, key)}：{text}")
    return "；".join(parts)


APPLICATIONS = Ledger(
    ExportKind.APPLICATIONS,
    "申请审核流转台账",
    (
        Column("申请编号", "int", 8, "application_id"),
        Column("项目地区代码", "str", 10, AREA_CODE),
        Column("项目地区", "str", 18, AREA_NAME),
        Column("批次", "int", 6, "application__area__batch__year"),
        Column("街道（乡镇）代码", "str", 11, "application__township__code"),
        Column("街道（乡镇）", "str", 12, "application__township__name"),
        Column("申请类型", "str", 14, word("application_kind", "application__kind")),
        Column("服务对象编号", "int", 10, "application__recipient_id"),
        Column("服务对象姓名", "str", 10, "application__recipient__name"),
        Column("身份证号（脱敏）", "str", 20, masked("application__recipient__resident_id")),
        Column("流转时间", "datetime", 19, "at"),
        Column("环节", "str", 10, word("application_step", "action")),
        Column("原状态", "str", 12, word("application_state", "from_state")),
        Column("新状态", "str", 12, word("application_state", "to_state")),
        Column("审核结果", "str", 8, Source(("passed",), _passed)),
        Column("审核人", "str", 10, "reviewer_name"),
        Column("审核人职务", "str", 14, "reviewer_title"),
        Column("意见", "str", 30, "opinion"),
        Column("操作账号", "str", 12, "actor_name"),
        Column("其他", "str", 30, Source(("details",), _details)),
    ),
)
APPLICATION_COLUMNS = list(APPLICATIONS.columns)


def applications_ledger(scope: Scope) -> Report:
    def steps():
        queryset = ApplicationStep.objects.filter(at__lt=scope.end)
        queryset = scope.narrow(queryset, area="application__area_id", provider="application__provider_id")
        if scope.filters.get("date_from"):
            queryset = queryset.filter(at__date__gte=scope.filters["date_from"])
        if scope.filters.get("date_to"):
            queryset = queryset.filter(at__date__lte=scope.filters["date_to"])
        return queryset

    def rows():
        ordered = steps().annotate(area_id=F("application__area_id")).order_by("application_id", "at", "id")
        yield from APPLICATIONS.rows(APPLICATIONS.query(ordered), scope.context())

    return Report(APPLICATIONS.kind, APPLICATIONS.title, APPLICATION_COLUMNS, rows(), steps().count())
