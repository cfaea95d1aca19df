"""The fixtures every installation needs, in load order (later files refer to earlier ones).

Each fixture is loaded only while the table it seeds is empty, so `make run` can call the loader
every time without resetting an official import or a setting an administrator changed.
"""

from django.apps import apps
from django.conf import settings

FIXTURE_DIR = settings.BASE_DIR / "fixtures"
# (fixture file, the model whose rows show it was already loaded)
REFERENCE_FIXTURES = [
    (FIXTURE_DIR / "regions.json", "areas.Region"),
    (FIXTURE_DIR / "catalogues.json", "visits.ServiceCategory"),
    (FIXTURE_DIR / "review_codes.json", "visits.ReviewReasonCode"),
    (FIXTURE_DIR / "batch_2023.json", "areas.Batch"),
]


# Official lists loaded through their import command (every row checked as an upload would be),
# after the fixtures: (command, file, the model whose rows show it was already loaded).
# townships_110114.csv: the 22 townships of 北京市昌平区, the first 9 digits of the statistical division
# codes as published in github.com/modood/Administrative-divisions-of-China (dist/streets.csv).
REFERENCE_IMPORTS = [
    ("import_regions", FIXTURE_DIR / "townships_110114.csv", "areas.Township"),
]


def fixtures_to_load() -> list[str]:
    return [str(path) for path, label in REFERENCE_FIXTURES if not apps.get_model(label).objects.exists()]


def imports_to_run() -> list[tuple[str, str]]:
    return [
        (command, str(path)) for command, path, label in REFERENCE_IMPORTS if not apps.get_model(label).objects.exists()
    ]
