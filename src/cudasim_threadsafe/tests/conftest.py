import pytest

from .allocators import AllocatorFactory
from .kernels import EarlyReturnKernelFactory


@pytest.fixture
def settings_dict(request):
    settings = {"array_size": 10, "buffer_size": 5, "n_threads": 7}
    settings.update(getattr(request, "param", {}))
    return settings


@pytest.fixture
def allocator_factory(settings_dict):
    return AllocatorFactory(
        settings_dict["buffer_size"], settings_dict.get("dtype", float)
    )


@pytest.fixture
def kernel(settings_dict, allocator_factory):
    factory = EarlyReturnKernelFactory(
        settings_dict["n_threads"], allocator_factory
    )
    return factory.build()


@pytest.fixture(scope="class")
def initialize_from_pytest_config():
    # numba-cuda's CUDATestCase asks for this fixture, which only numba-cuda's
    # own conftest defines; these tests need nothing from it.
    yield
