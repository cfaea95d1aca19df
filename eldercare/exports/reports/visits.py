"""The visit ledger and the ledger of exceptions and their resolutions, as of a day."""

from django.db.models import OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat

from eldercare.core.masking import mask_resident_id
from eldercare.visits.models import HOLDING_STATUSES, Visit, VisitException, VisitStatus

from .. import vocabulary as v
from ..models import ExportKind
from ..selectors import GroupConcat, exceptions_as_of, visits_as_of
from .base import CHUNK_SIZE, C, Report, Scope, _date_range, _split

# --- Visit ledger -------------------------------------------------------------------------------

VISIT_COLUMNS = [
    C("服务编号", "int", 10),
    C("项目地区代码", width=10),
    C("项目地区", width=18),
    C("服务机构", width=22),
    C("服务人员", width=10),
    C("服务人员工号", width=10),
    C("服务对象编号", "int", 10),
    C("服务对象姓名", width=10),
    C("身份证号（脱敏）", width=20),
    C("服务类别", width=10),
    C("服务日期", "date", 11),
    C("开始时间", "datetime", 19),
    C("结束时间", "datetime", 19),
    C("时长（分钟）", "int", 8),
    C("签到纬度", "dec", 11),
    C("签到经度", "dec", 11),
    C("签退纬度", "dec", 11),
    C("签退经度", "dec", 11),
    C("满意度", width=8),
    C("状态", width=8),
    C("作废原因", width=16),
    C("费用确认时间", "datetime", 19),
    C("是否计入", width=8),
    C("不计入原因", width=30),
    C("异常及处理", width=40),
    C("录入时间", "datetime", 19),
]


def visit_rows_queryset(scope: Scope):
    """The visit ledger's query: visits as of the day, with their counting and their exceptions then."""
    exceptions = (
        exceptions_as_of(scope.end)
        .filter(visit_id=OuterRef("id"))
        .values("visit_id")
        .annotate(
            text=GroupConcat(
                Concat(
                    "type",
                    Value(":"),
                    "as_of_status",
                    Value(":"),
                    Coalesce("as_of_reason_code", Value(""), output_field=TextField()),
                    output_field=TextField(),
                )
            )
        )
        .values("text")
    )
    visits = scope.narrow(visits_as_of(scope.end))
    visits = _date_range(visits, scope.filters, "service_date")
    return visits.annotate(exception_text=Subquery(exceptions)).order_by("id")


def _exception_words(text: str | None) -> tuple[list[str], list[str]]:
    """All exceptions as "type（status，code）" and the holding ones as reasons."""
    listed, holding = [], []
    for part in _split(text):
        kind, status, code = (part.split(":") + ["", ""])[:3]
        listed.append(
            f"{v.word('exception_type', kind)}（{v.word('exception_status', status)}{'，' + code if code else ''}）"
        )
        if status in HOLDING_STATUSES:
            holding.append(
                v.REASON_EXCEPTION.format(
                    type=v.word("exception_type", kind), status=v.word("exception_status", status)
                )
            )
    return listed, holding


def visit_ledger(scope: Scope) -> Report:
    def rows():
        labels = scope.area_labels()
        query = visit_rows_queryset(scope).values_list(
            "id",
            "area_id",
            "provider__name",
            "caregiver__name",
            "caregiver__employee_number",
            "recipient_id",
            "recipient__name",
            "recipient__resident_id",
            "category__name",
            "service_date",
            "started_at",
            "ended_at",
            "checkin_latitude",
            "checkin_longitude",
            "checkout_latitude",
            "checkout_longitude",
            "satisfaction",
            "status",
            "void_reason",
            "fee_confirmed_at",
            "countable",
            "counting_visit",
            "exception_text",
            "created_at",
        )
        for (
            pk,
            area_id,
            provider,
            caregiver,
            employee_number,
            recipient_id,
            recipient_name,
            resident_id,
            category,
            service_date,
            started_at,
            ended_at,
            lat_in,
            lon_in,
            lat_out,
            lon_out,
            satisfaction,
            status,
            void_reason,
            fee_confirmed_at,
            countable,
            counting_visit,
            exception_text,
            created_at,
        ) in query.iterator(chunk_size=CHUNK_SIZE):
            listed, holding = _exception_words(exception_text)
            reasons = []
            if status == VisitStatus.VOIDED:
                reasons.append(v.REASON_VOIDED.format(reason=void_reason))
            reasons += holding
            counts = bool(countable) and counting_visit == pk
            if countable and not counts:
                reasons.append(v.REASON_NOT_FIRST.format(pk=counting_visit))
            code, name = labels.get(area_id, ("", ""))
            yield (
                pk,
                code,
                name,
                provider,
                caregiver,
                employee_number,
                recipient_id,
                recipient_name,
                mask_resident_id(resident_id),
                category,
                service_date,
                started_at,
                ended_at,
                int((ended_at - started_at).total_seconds() // 60),
                lat_in,
                lon_in,
                lat_out,
                lon_out,
                v.word("satisfaction", satisfaction),
                v.word("visit_status", status),
                void_reason,
                fee_confirmed_at,
                v.yes_no(counts),
                "；".join(reasons),
                "；".join(listed),
                created_at,
            )

    estimate = _date_range(scope.narrow(Visit.objects.all()), scope.filters, "service_date").count()
    return Report(ExportKind.VISITS, "上门服务台账", VISIT_COLUMNS, rows(), estimate)


# --- Exceptions and resolutions --------------------------------------------------------------------

EXCEPTION_COLUMNS = [
    C("异常编号", "int", 8),
    C("服务编号", "int", 10),
    C("项目地区代码", width=10),
    C("项目地区", width=18),
    C("服务机构", width=22),
    C("服务日期", "date", 11),
    C("异常类型", width=14),
    C("严重程度", width=6),
    C("说明", width=30),
    C("状态", width=12),
    C("处理原因代码", width=12),
    C("处理说明", width=24),
    C("处理时间", "datetime", 19),
    C("处理人", width=10),
    C("发现时间", "datetime", 19),
]


def exception_ledger(scope: Scope) -> Report:
    def rows():
        labels = scope.area_labels()
        exceptions = _date_range(scope.narrow(exceptions_as_of(scope.end)), scope.filters, "visit__service_date")
        for row in (
            exceptions.order_by("id")
            .values_list(
                "id",
                "visit_id",
                "area_id",
                "provider__name",
                "visit__service_date",
                "type",
                "severity",
                "as_of_detail",
                "as_of_status",
                "as_of_reason_code",
                "as_of_note",
                "as_of_resolved_at",
                "as_of_resolved_by",
                "created_at",
            )
            .iterator(chunk_size=CHUNK_SIZE)
        ):
            pk, visit_id, area_id, provider, service_date, kind, severity, detail, status = row[:9]
            reason_code, note, resolved_at, resolved_by, created_at = row[9:]
            code, area_name = labels.get(area_id, ("", ""))
            yield (
                pk,
                visit_id,
                code,
                area_name,
                provider,
                service_date,
                v.word("exception_type", kind),
                v.word("severity", severity),
                detail,
                v.word("exception_status", status),
                reason_code,
                note,
                resolved_at,
                resolved_by,
                created_at,
            )

    estimate = scope.narrow(VisitException.objects.all()).count()
    return Report(ExportKind.EXCEPTIONS, "异常及处理台账", EXCEPTION_COLUMNS, rows(), estimate)
