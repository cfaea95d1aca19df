import pytest


@pytest.fixture
def reference_data(db):
    """Regions, catalogues and the 2023 batch with its 50 pilot areas, as `make run` loads them."""
    from django.core.management import call_command

    call_command("load_reference_data", verbosity=0)
