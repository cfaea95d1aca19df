"""The fixtures every installation needs, in load order (later files refer to earlier ones)."""

from django.conf import settings

FIXTURE_DIR = settings.BASE_DIR / "fixtures"
REFERENCE_FIXTURES = [
    str(FIXTURE_DIR / "regions.json"),
    str(FIXTURE_DIR / "catalogues.json"),
    str(FIXTURE_DIR / "batch_2023.json"),
]
