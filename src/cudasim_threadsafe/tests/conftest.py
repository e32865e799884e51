import pytest


@pytest.fixture(scope="class")
def initialize_from_pytest_config():
    # numba-cuda's CUDATestCase asks for this fixture, which only numba-cuda's
    # own conftest defines; these tests need nothing from it.
    yield
