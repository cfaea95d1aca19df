"""Local development: the embedded defaults with debugging on."""

from .base import *  # noqa: F403

DEBUG = True
