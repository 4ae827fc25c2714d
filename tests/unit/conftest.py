import pytest

from .fake_http import FakeAPI


@pytest.fixture()
def fake():
    api = FakeAPI()
    yield api
    api.close()
