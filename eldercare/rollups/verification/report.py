"""What a verification finds: differences, the work still waiting in the recount queue, a summary.

Work in the recount queue (`core.RecountRequest`) is not a difference: a recipient whose recount is
queued may show stale figures for up to one drain. A difference that concerns such a recipient (or
an area with a whole-area row queued) is set apart as *pending*; it neither fails the check nor
counts in `RollupRun.differences`. `--wait` waits for the queue to drain first, for a strict check.
"""

import time
from dataclasses import dataclass, field

from django.utils.translation import gettext, ngettext

from eldercare.core.models import RecountRequest
from eldercare.core.selectors import QueueStatus, recount_queue_status

# Differences kept in memory per list; all are counted. The command prints far fewer, the run's
# note fewer still: what matters past the first few is how many there are.
KEPT_DIFFERENCES = 1000
# Differences written into a RollupRun's note (and the nightly log line).
NOTED_DIFFERENCES = 20
# How often `--wait` looks at the queue again.
QUEUE_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Difference:
    area_code: str
    what: str
    stored: object
    recounted: object
    # What the difference concerns, so work queued for it can set it apart as pending.
    recipient_id: int | None = None
    area_id: int | None = None
    # Known, when found, to concern work already queued (a flag the next drain re-checks).
    queued: bool = False

    def __str__(self) -> str:
        return f"{self.area_code} {self.what}: stored {self.stored}, recounted {self.recounted}"


@dataclass(frozen=True)
class PendingWork:
    """Who has a recount queued: recipients, and areas queued whole (a cycle or threshold change)."""

    recipient_ids: frozenset = frozenset()
    area_ids: frozenset = frozenset()

    def covers(self, difference: Difference) -> bool:
        return difference.queued or difference.recipient_id in self.recipient_ids or difference.area_id in self.area_ids


def pending_work() -> PendingWork:
    """Read the queue's targets now (one query; the queue is drained every few seconds, so it is short)."""
    recipients, areas = set(), set()
    for recipient_id, area_id in RecountRequest.objects.values_list("recipient_id", "area_id").distinct():
        if recipient_id is not None:
            recipients.add(recipient_id)
        elif area_id is not None:
            areas.add(area_id)
    return PendingWork(frozenset(recipients), frozenset(areas))


@dataclass
class VerificationResult:
    """The outcome of one check, for the command to print and the nightly job to log and store."""

    kind: str  # "recount" (the plain check) or "deep"
    differences: list[Difference] = field(default_factory=list)  # the first KEPT_DIFFERENCES
    difference_count: int = 0
    pending: list[Difference] = field(default_factory=list)  # the first KEPT_DIFFERENCES
    pending_count: int = 0
    areas: int = 0
    visits_checked: int = 0
    recipients_checked: int = 0
    sample: int | None = None  # deep: the number of visits drawn (None: every visit)
    seed: int | None = None
    run_id: int | None = None

    @property
    def clean(self) -> bool:
        return self.difference_count == 0

    def add(self, differences: list[Difference], pending: PendingWork) -> None:
        """Count the differences, setting apart those that queued work explains."""
        for difference in differences:
            if pending.covers(difference):
                self.pending_count += 1
                if len(self.pending) < KEPT_DIFFERENCES:
                    self.pending.append(difference)
            else:
                self.difference_count += 1
                if len(self.differences) < KEPT_DIFFERENCES:
                    self.differences.append(difference)

    def summary(self) -> str:
        """One plain-text paragraph (not translated: it goes to logs and the run's note)."""
        scope = f"{self.areas} areas"
        if self.kind == "deep":
            drawn = f"sample of {self.sample} visits (seed {self.seed}), " if self.sample is not None else ""
            scope = f"{drawn}{self.visits_checked} visits of {self.recipients_checked} recipients re-derived"
        lines = [f"{self.kind} check: {scope}; {self.difference_count} differences, {self.pending_count} pending"]
        lines += [str(difference) for difference in self.differences[:NOTED_DIFFERENCES]]
        if self.difference_count > NOTED_DIFFERENCES:
            lines.append(f"… {self.difference_count - NOTED_DIFFERENCES} more")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "differences": self.difference_count,
            "pending": self.pending_count,
            "visits_checked": self.visits_checked,
            "recipients_checked": self.recipients_checked,
            "sample": self.sample,
            "seed": self.seed,
            "run_id": self.run_id,
            "first": [str(difference) for difference in self.differences[:NOTED_DIFFERENCES]],
        }


def queue_report(status: QueueStatus) -> str:
    """'3 recounts pending, oldest 12 s', in the active language (the command and the admin say the same)."""
    if not status.depth:
        return gettext("No recounts pending.")
    return ngettext(
        "%(depth)d recount pending, oldest %(age)d s.", "%(depth)d recounts pending, oldest %(age)d s.", status.depth
    ) % {
        "depth": status.depth,
        "age": round(status.oldest_age_seconds or 0),
    }


def _pause(seconds: float) -> None:
    time.sleep(seconds)  # a seam: tests drain the queue here, as a worker would meanwhile


def wait_for_recount_queue(seconds: float, *, poll: float = QUEUE_POLL_SECONDS) -> QueueStatus:
    """Wait up to `seconds` for the workers to empty the recount queue; return its last status.

    It only watches: draining is the workers' job (woken on every write, and by beat every tick).
    """
    deadline = time.monotonic() + max(seconds, 0.0)
    while True:
        status = recount_queue_status()
        remaining = deadline - time.monotonic()
        if not status.depth or remaining <= 0:
            return status
        _pause(min(poll, remaining))
