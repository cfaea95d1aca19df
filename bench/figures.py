"""A measured figure next to its floor, and the small timing helpers every measurement uses."""

import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db import connection


@dataclass
class Figure:
    """One number of the benchmark, with the floor it is judged against and its target.

    `value` None means the measurement could not run (the feature is not there yet); `note` says why.
    """

    key: str
    label: str
    value: float | None
    unit: str
    floor: float | None = None
    floor_label: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""
    detail: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.floor:
            return None
        return self.value / self.floor

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}


def unavailable(key: str, label: str, why: str) -> Figure:
    return Figure(key=key, label=label, value=None, unit="", note=f"not measured: {why}")


def stopwatch(action: Callable, *, repeat: int = 1) -> tuple[list[float], object]:
    """Run `action` `repeat` times; the durations in seconds and the last result."""
    durations, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        durations.append(time.perf_counter() - started)
    return durations, result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+\b|%s")
_LISTS = re.compile(r"\((?:\s*\?\s*,)+\s*\?\s*\)")
_SPACES = re.compile(r"\s+")


def query_shape(sql: str) -> str:
    """The SQL with literals and IN-lists folded, so the same statement groups across calls."""
    shape = _LITERALS.sub("?", sql)
    shape = _LISTS.sub("(…)", shape)
    return _SPACES.sub(" ", shape).strip()


class QueryProfile:
    """Time spent per statement shape while active: which query a slow service spends its time in."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._wrapper = None

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            shape = query_shape(sql)
            self.seconds[shape] += time.perf_counter() - started
            self.calls[shape] += 1

    def __enter__(self) -> "QueryProfile":
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._wrapper.__exit__(*exc)

    @property
    def total(self) -> float:
        return sum(self.seconds.values())

    def top(self, count: int = 5, *, width: int = 400) -> list[dict]:
        ranked = sorted(self.seconds.items(), key=lambda item: -item[1])[:count]
        return [
            {"seconds": round(seconds, 3), "calls": self.calls[shape], "sql": shape[:width]}
            for shape, seconds in ranked
        ]
