"""eldercare: the Home and Community Basic Elderly Care Service Improvement Action (居家和社区基本养老服务提升行动).

The version lives in one place, `pyproject.toml`; the API schema (SPECTACULAR_SETTINGS), the admin
footer, `/health/` and `make version` all read it from here.
"""

import tomllib
from pathlib import Path


def _read_version() -> str:
    try:
        with open(Path(__file__).resolve().parent.parent / "pyproject.toml", "rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):  # a copy without pyproject.toml still starts
        return "0+unknown"


__version__ = _read_version()
