from tests.live.conftest import aws_env  # noqa: F401  (dummy credentials, no user profile)
from tests.live.test_server_e2e import server  # noqa: F401  (moto in server mode on a free port)
