"""How fast, and in how little memory, an import refuses a zip bomb and a whitespace bomb.

`python -m bench.import_bombs` (or as part of `make bench`): builds an XLSX-shaped zip whose sheet
inflates to about 1 GB of spaces (about 1 MB on disk) and a CSV of 19 MB of whitespace, hands each
to the pilot-area importer, and reports the time to refusal and the peak memory (tracemalloc).
"""

import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

from bench.figures import Figure

INFLATED_MB = 1024
CSV_WHITESPACE_MB = 19


def _zip_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b" " * (1024 * 1024)
            for _ in range(INFLATED_MB):
                sheet.write(chunk)
    return path


def _whitespace_csv(path: Path) -> Path:
    with path.open("wb") as stream:
        stream.write("区划代码,地区名称,床位目标,人次目标\n".encode())
        line = b" " * 1023 + b"\n"
        for _ in range(CSV_WHITESPACE_MB * 1024):
            stream.write(line)
    return path


def _refusal(path: Path) -> dict:
    from eldercare.areas.importers import read_pilot_area_rows
    from eldercare.core.errors import DomainError

    tracemalloc.start()
    started = time.perf_counter()
    try:
        read_pilot_area_rows(path)
        outcome = "read"
    except DomainError as error:
        outcome = error.code or "refused"
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": seconds,
        "peak_mb": peak / 1024 / 1024,
        "outcome": outcome,
        "file_mb": path.stat().st_size / 2**20,
    }


def measure_import_bombs(context=None) -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        bomb = _refusal(_zip_bomb(Path(folder) / "bomb.xlsx"))
        spaces = _refusal(_whitespace_csv(Path(folder) / "spaces.csv"))
    log = context.log if context else print
    for name, result in (("zip bomb", bomb), ("whitespace CSV", spaces)):
        log(
            f"  {name} ({result['file_mb']:.1f} MB on disk): {result['outcome']} in {result['seconds']:.3f} s, "
            f"peak {result['peak_mb']:.1f} MB"
        )
    return [
        Figure(
            key=f"import_{key}",
            label=f"Import refuses a {label}",
            value=result["seconds"],
            unit="s",
            target="refused ≤ 5 s, < 200 MB",
            # Refused, or read as empty (whitespace is no data): either way quickly and in little memory.
            met=result["seconds"] <= 5 and result["peak_mb"] < 200,
            detail=result,
        )
        for key, label, result in (
            ("zip_bomb", f"zip bomb inflating to {INFLATED_MB} MB", bomb),
            ("whitespace_bomb", f"{CSV_WHITESPACE_MB} MB whitespace CSV", spaces),
        )
    ]


if __name__ == "__main__":
    import django

    django.setup()
    measure_import_bombs()
