"""The demo world builder; `builder` runs the steps, the other modules make one kind of record each."""

from .base import DEFAULT_RECIPIENTS, DEFAULT_SEED, DEMO_MARK, DEMO_PREFIX
from .batches import AHEAD, BEHIND, FAR_BEHIND, ON_PACE, STATES, pace_ratio, state_of
from .builder import DemoSummary, demo_world_create

__all__ = [
    "AHEAD",
    "BEHIND",
    "DEFAULT_RECIPIENTS",
    "DEFAULT_SEED",
    "DEMO_MARK",
    "DEMO_PREFIX",
    "FAR_BEHIND",
    "ON_PACE",
    "STATES",
    "DemoSummary",
    "demo_world_create",
    "pace_ratio",
    "state_of",
]
