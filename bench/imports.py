"""How long 10,000 recipients take to import from a filled template (target ≤ 15 s).

`python -m bench.imports` measures on the database `DATABASE_URL` names (a scratch SQLite file when
unset, migrated first), or as part of `make bench` on the benchmark database. The file is a filled
recipients template: 10,000 people of one demo township, each with an assessment. The import runs in
a transaction rolled back afterwards, so the database is left as it was; the time covers reading
the file, checking every row and writing through the services (history rows, recount queue).
"""

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.figures import Figure

ROWS = 10_000
TARGET_SECONDS = 15
COUNTY_CODE, TOWNSHIP_CODE, YEAR = "110114", "110114901", 2024


def _resident_id(n: int) -> str:
    from eldercare.core.validators import resident_id_check_char

    birth = dt.date(1930, 1, 1) + dt.timedelta(days=n // 400)
    first17 = f"{COUNTY_CODE}{birth:%Y%m%d}{(n % 400) * 2 + 1:03d}"
    return first17 + resident_id_check_char(first17)


def _world() -> None:
    """The demo county, batch, pilot area and township the file names (kept if already there)."""
    from eldercare.areas.models import Batch, PilotArea, Region, Township

    province, _ = Region.objects.get_or_create(code="110000", defaults={"name": "北京市", "level": "province"})
    county, _ = Region.objects.get_or_create(
        code=COUNTY_CODE, defaults={"name": "昌平区", "level": "county", "parent": province}
    )
    batch, _ = Batch.objects.get_or_create(year=YEAR, defaults={"name": f"{YEAR}年批次"})
    PilotArea.objects.get_or_create(batch=batch, region=county)
    Township.objects.get_or_create(code=TOWNSHIP_CODE, defaults={"region": county, "name": "示例街道", "is_demo": True})


def _file(folder: Path) -> Path:
    from openpyxl import load_workbook

    from eldercare.imports.columns import RECIPIENTS
    from eldercare.imports.template import write_template

    template = write_template(RECIPIENTS, folder / "template.xlsx")
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    for n in range(ROWS):
        sheet.append(
            [_resident_id(n), f"老人{n}", None, str(YEAR), TOWNSHIP_CODE, "低保", f"示例街道{n}号", "13800000000"]
            + [None, None, None, dt.date(2024, 3, 1), "重度失能", "李四", None]
        )
    path = folder / "recipients-10k.xlsx"
    workbook.save(path)
    return path


def measure_imports(context=None) -> list[Figure]:
    from django.db import connection, transaction

    from eldercare.imports.runner import import_file
    from eldercare.recipients.models import Recipient

    log = context.log if context else print
    with tempfile.TemporaryDirectory() as folder, transaction.atomic():
        _world()
        path = _file(Path(folder))
        before = Recipient.objects.count()
        started = time.perf_counter()
        report = import_file("recipients", path)
        seconds = time.perf_counter() - started
        imported = Recipient.objects.count() - before
        transaction.set_rollback(True)
    # A generated ID the national world already holds is skipped as already registered, as a re-import is.
    skipped = report.skipped
    detail = {
        "rows": ROWS,
        "imported": imported,
        "skipped_as_registered": skipped,
        "errors": len(report.errors),
        "database": connection.vendor,
    }
    log(
        f"  {ROWS} recipients imported on {connection.vendor} in {seconds:.1f} s "
        f"({imported} new, {skipped} already registered, {len(report.errors)} errors)"
    )
    return [
        Figure(
            key="imports_recipients_10k",
            label="Import 10,000 recipients from a filled template",
            value=seconds,
            unit="s",
            target=f"≤ {TARGET_SECONDS} s",
            met=seconds <= TARGET_SECONDS and imported + skipped == ROWS and not report.errors,
            detail=detail,
        )
    ]


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.base")
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    scratch = None
    if not os.environ.get("DATABASE_URL"):
        scratch = Path(tempfile.mkdtemp()) / "imports-bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    for figure in measure_imports():
        print(figure.as_dict())
    if scratch is not None:
        scratch.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
