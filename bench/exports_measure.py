"""The national ledgers as a national auditor exports them: whole nation, CSV, as of today.

`measure_national_exports(context)` runs `export_request` + `export_run` (the job a worker runs) for
the recipient and the visit ledger over every area, and reports seconds, rows and memory:

- seconds: the whole job, from claiming it to the stored zip and its audit event;
- memory: the growth of the process's resident set (RSS) above its level before the job, sampled
  every 20 ms by a thread (tracemalloc would slow a 6.6-million-row export several-fold and sees
  none of the database driver's buffers). A flat figure is one that does not follow the rows: the
  detail gives the CSV's size beside it.

Targets (issue 14): `export_recipients_national` ≤ 10 s and `export_visits_national` ≤ 120 s at
scale 1 (220,000 recipients, 6.6 million visits); at other scales the target scales with the rows.
"""

import threading
import time

from django.utils import timezone

from bench.figures import Figure, unavailable

FULL_RECIPIENTS = 220_000
FULL_VISITS = 6_600_000
SAMPLE_EVERY_S = 0.02
# Peak growth above which the export is not "flat": a national CSV is hundreds of megabytes at
# scale 1, so anything that held the rows would pass this by far.
FLAT_MB = 256

NATIONAL_LEDGERS = (
    # key, label, kind, target seconds at scale 1, rows at scale 1
    ("export_recipients_national", "Recipient ledger CSV, national", "recipients", 10.0, FULL_RECIPIENTS),
    ("export_visits_national", "Visit ledger CSV, national", "visits", 120.0, FULL_VISITS),
)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _page_size()


def _page_size() -> int:
    import os

    return os.sysconf("SC_PAGE_SIZE")


class PeakRss:
    """The highest resident set size seen while active, sampled by a thread."""

    def __init__(self) -> None:
        self.baseline = 0
        self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "PeakRss":
        self.baseline = self.peak = _rss_bytes()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY_S):
            self.peak = max(self.peak, _rss_bytes())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak = max(self.peak, _rss_bytes())

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.baseline) / 2**20


def run_national_export(user, kind: str, *, fmt: str = "csv") -> dict:
    """One national export through the job's own path; its seconds, rows, status and memory."""
    from eldercare.exports.models import ScopeLevel
    from eldercare.exports.services import export_request, export_run

    job = export_request(
        user=user,
        kind=kind,
        fmt=fmt,
        scope_level=ScopeLevel.NATIONAL,
        as_of=timezone.localdate(),
        purpose="benchmark",
        enqueue=False,
    )
    with PeakRss() as memory:
        started = time.perf_counter()
        job = export_run(job.pk)
        seconds = time.perf_counter() - started
    size = job.file.size if job.file else 0
    return {
        "seconds": seconds,
        "rows": job.rows_written or 0,
        "status": str(job.status),
        "error": job.error,
        "peak_rss_growth_mb": memory.growth_mb,
        "file_mb": size / 2**20,
        "sha256": job.sha256,
    }


def measure_national_exports(context) -> list[Figure]:
    """The national recipient and visit ledgers (CSV), each once: seconds against the scaled target, memory."""
    from eldercare.recipients.models import Recipient
    from eldercare.visits.models import Visit

    auditor = context.user("auditor")
    scale_rows = {"recipients": Recipient.objects.count(), "visits": Visit.objects.count()}
    figures = []
    for key, label, kind, target_s, full_rows in NATIONAL_LEDGERS:
        try:
            run = run_national_export(auditor, kind)
        except Exception as error:  # one failing export must not cost the other figure
            context.log(f"  {label}: failed ({type(error).__name__}: {error})")
            figures.append(unavailable(key, label, f"the export failed: {type(error).__name__}: {error}"[:300]))
            continue
        scaled_target = target_s * scale_rows[kind] / full_rows if full_rows else target_s
        done = run["status"] == "done"
        flat = run["peak_rss_growth_mb"] <= FLAT_MB
        rate = run["rows"] / run["seconds"] if run["seconds"] else 0
        context.log(
            f"  {label}: {run['rows']:,} rows in {run['seconds']:.1f} s = {rate:,.0f} rows/s, "
            f"RSS +{run['peak_rss_growth_mb']:.0f} MB, file {run['file_mb']:.0f} MB ({run['status']})"
        )
        figures.append(
            Figure(
                key=key,
                label=label,
                value=run["seconds"],
                unit="s",
                target=f"≤ {target_s:.0f} s at scale 1 (≤ {scaled_target:.1f} s for these rows); memory flat",
                met=done and run["seconds"] <= scaled_target and flat,
                note="" if done else f"job {run['status']}: {run['error']}"[:300],
                detail={
                    "rows": run["rows"],
                    "rows_per_s": rate,
                    "target_at_these_rows_s": scaled_target,
                    "projected_scale_1_s": run["seconds"] * full_rows / run["rows"] if run["rows"] else None,
                    "peak_rss_growth_mb": run["peak_rss_growth_mb"],
                    "flat_limit_mb": FLAT_MB,
                    "zip_mb": run["file_mb"],
                    "sha256": run["sha256"],
                },
            )
        )
    return figures
