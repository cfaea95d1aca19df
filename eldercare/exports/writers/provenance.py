"""What every file says about itself: who exported what, when, over which scope, and its data hash.

The same facts are written three ways: key/value rows (the XLSX's "导出说明" sheet), a JSON
sidecar (next to a CSV, in its zip) and sentences (the PDF's last page). Dates are Chinese
(2026年12月2日) where people read them, ISO where programs do (the `json` row, the sidecar).
"""

import datetime as dt
import json

from eldercare.core.printing import chinese_date

from .. import vocabulary as v
from ..reports import DEMO_MARK

PROVENANCE_SHEET = "导出说明"
SIDECAR_SUFFIX = ".provenance.json"


def chinese_moment(iso: str) -> str:
    """An ISO timestamp as 2026年12月2日 10:05 (the time zone the export recorded)."""
    if not iso:
        return ""
    moment = dt.datetime.fromisoformat(iso)
    return f"{chinese_date(moment.date())} {moment:%H:%M}"


def scope_words(provenance: dict) -> str:
    scope = provenance.get("scope") or {}
    level = v.word("scope_level", scope.get("level", ""))
    label, code = scope.get("label", ""), scope.get("code", "")
    if not code:
        return level  # every area in the exporter's scope; the stored label is in the UI's language
    return f"{level}：{label}（{code}）" if label and label != code else f"{level}：{code}"


def filter_words(provenance: dict) -> str:
    filters = provenance.get("filters") or {}
    parts = []
    if filters.get("batch_year"):
        parts.append(f"批次：{filters['batch_year']}年")
    start, end = filters.get("date_from"), filters.get("date_to")
    if start and end:
        parts.append(f"日期：{chinese_date(start)}至{chinese_date(end)}")
    elif start:
        parts.append(f"日期：{chinese_date(start)}起")
    elif end:
        parts.append(f"日期：截至{chinese_date(end)}")
    return "；".join(parts) or "无"


def provenance_rows(provenance: dict) -> list[tuple[str, str]]:
    """Key/value rows in words, then a `json` row with everything (what `verify_export` reads)."""
    rows = [
        ("导出编号", str(provenance.get("export_id", ""))),
        ("报表", str(provenance.get("report", ""))),
        ("出具单位", str(provenance.get("issuing_unit", ""))),
        ("导出人", str(provenance.get("exported_by", ""))),
        ("导出时间", chinese_moment(provenance.get("exported_at", ""))),
        ("用途", str(provenance.get("purpose", ""))),
        ("范围", scope_words(provenance)),
        ("截至日期（当日结束）", chinese_date(provenance.get("as_of", ""))),
        ("筛选条件", filter_words(provenance)),
        ("数据行数", str(provenance.get("rows", ""))),
        ("数据SHA-256", str(provenance.get("sha256", ""))),
        ("校验方法", str(provenance.get("hash_method", ""))),
    ]
    if provenance.get("demo"):
        rows.append(("示例数据", demo_sentence()))
    rows.append(("json", json.dumps(provenance, ensure_ascii=False, sort_keys=True)))
    return rows


def demo_sentence() -> str:
    return f"名称后标“{DEMO_MARK}”的项目地区为演示用的示例数据，不属于正式公布的名单。"


def provenance_sentences(provenance: dict) -> list[str]:
    """The provenance as sentences, for the PDF's last page."""
    moment = chinese_moment(provenance.get("exported_at", ""))
    sentences = [
        f"出具单位：{provenance.get('issuing_unit', '')}。导出人 {provenance.get('exported_by', '')}，"
        f"导出时间 {moment}，导出编号第 {provenance.get('export_id', '')} 号。",
        f"用途：{provenance.get('purpose') or '未填写'}。",
        f"范围为{scope_words(provenance)}；数据截至{chinese_date(provenance.get('as_of', ''))}当日结束，"
        f"按当日结束时的记录计算，任何时候重新导出，数据相同。",
        f"筛选条件：{filter_words(provenance)}。",
        f"共 {provenance.get('rows', 0):,} 行数据。数据的 SHA-256 为 {provenance.get('sha256', '')}。",
        f"校验方法：{provenance.get('hash_method', '')}。",
    ]
    if provenance.get("demo"):
        sentences.append(demo_sentence())
    return sentences


def sidecar_json(provenance: dict) -> str:
    return json.dumps(provenance, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
