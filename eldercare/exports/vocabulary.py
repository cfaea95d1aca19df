"""The export vocabulary: the Chinese words exported files use for coded values.

Exported files are a format that auditors file and re-check, so their words are fixed here and
not taken from the UI translation catalogue: an export re-run in a year, after the catalogue
changed, must give the same cells and the same SHA-256. A code missing here is exported as is.
The UI around the exports is translated as usual.
"""

YES, NO = "是", "否"

WORDS: dict[str, dict[str, str]] = {
    "visit_status": {"completed": "已完成", "voided": "已作废"},
    "satisfaction": {"satisfied": "满意", "fairly_satisfied": "基本满意", "dissatisfied": "不满意"},
    "exception_type": {
        "caregiver_overlap": "服务人员时间重叠",
        "too_short": "时长不足",
        "too_long": "时长过长",
        "far_checkin": "签到位置偏离",
        "late_entry": "补录超期",
        "not_eligible": "当日不符合条件",
        "outside_cycle": "超出项目周期",
        "future_start": "开始时间在未来",
    },
    "exception_status": {
        "open": "待处理",
        "accepted": "已认可（计入）",
        "acknowledged": "已确认（不计入）",
        "voided": "服务已作废",
        "cleared": "已消除",
    },
    "severity": {"blocking": "阻断", "warning": "警告"},
    "bed_status": {
        "applied": "申请",
        "assessed": "评估设计",
        "retrofitting": "改造中",
        "awaiting_acceptance": "待验收",
        "accepted": "验收合格",
        "in_service": "服务中",
        "withdrawn": "撤销",
    },
    "withdrawal_reason": {
        "died": "去世",
        "moved": "迁出",
        "declined": "放弃",
        "ineligible": "不再符合条件",
        "other": "其他",
    },
    "economic_category": {
        "extremely_poor": "特困分散供养",
        "minimum_allowance": "低保",
        "near_minimum": "低保边缘",
        "expense_hardship": "支出型困难",
        "none": "无经济困难",
    },
    "capability_level": {
        "intact": "能力完好",
        "mild": "轻度失能",
        "moderate": "中度失能",
        "severe": "重度失能",
        "complete": "完全失能",
    },
    "fund_use": {"beds": "家庭养老床位", "home_visits": "居家上门服务", "other": "其他项目支出"},
    "sex": {"M": "男", "F": "女"},
    "retrofit_kind": {"accessibility": "适老化改造", "smart": "智能化改造"},
    "scope_level": {"national": "全部（本人范围内）", "province": "省", "area": "项目地区", "provider": "服务机构"},
    "application_kind": {"home_visits": "居家养老上门服务", "family_care_bed": "家庭养老床位"},
    "application_state": {
        "draft": "暂存",
        "submitted": "已提交",
        "street_passed": "街道初审通过",
        "street_failed": "街道初审不通过",
        "county_passed": "区县审核通过",
        "county_failed": "区县审核不通过",
        "assigned": "已分派",
    },
    "application_step": {
        "create": "填报",
        "update": "修改",
        "submit": "提交",
        "street_review": "街道初审",
        "county_review": "区县审核",
        "assign": "执行分派",
        "reopen": "退回修改",
    },
}

# Why a visit does not count, in the order they are listed.
REASON_VOIDED = "已作废：{reason}"
REASON_EXCEPTION = "{type}（{status}）"
REASON_NOT_FIRST = "当日已有服务 #{pk} 计入"


def word(group: str, code: str | None) -> str:
    if not code:
        return ""
    return WORDS[group].get(code, code)


def yes_no(value: bool | None) -> str:
    if value is None:
        return ""
    return YES if value else NO
