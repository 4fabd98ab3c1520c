import pytest

from bluehelmet.actors import Registry, Resolver


@pytest.fixture(scope="session")
def registry():
    """The bundled registry (UCDP actor list 22.1 + curated Sahel file), built once."""
    return Registry.bundled()


@pytest.fixture(scope="session")
def resolver(registry):
    return Resolver(registry)
