"""The applications workflow's world (a county, its pilot area, two townships, their people and officials)."""

from tests.applications.conftest import fresh_throttles, world  # noqa: F401 (fixtures used here too)
