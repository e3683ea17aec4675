import urllib.request

import pytest

from tests.live.conftest import aws_env  # noqa: F401  (dummy credentials, no user profile)
from tests.live.test_server_e2e import server  # noqa: F401  (moto in server mode on a free port)


@pytest.fixture
def moto_server(server):  # noqa: F811
    """The server with moto's in-process state emptied: every ThreadedMotoServer shares one set of backends."""
    reset = lambda: urllib.request.urlopen(  # noqa: E731
        urllib.request.Request(f"{server}/moto-api/reset", method="POST"), timeout=30).read()
    reset()
    yield server
    reset()  # and after: the next test's server would see this estate
