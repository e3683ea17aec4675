"""Markers for the slow tests, set from what a test uses (no per-file bookkeeping to forget):

- `browser`: drives the real headless Chromium (tests/graph/test_html_browser.py);
- `server`: starts or uses moto in server mode, often with the real AWS CLI;
- `slow`: either of the two. `python -m pytest -q -m "not slow"` is the quick loop while editing;
  CI and README's command run everything.
"""

import pytest

SERVER_FIXTURES = {"moto_server", "server"}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real headless Chromium")
    config.addinivalue_line("markers", "server: uses moto in server mode (often with the AWS CLI)")
    config.addinivalue_line("markers", "slow: a browser or server test; deselect with -m 'not slow'")


def pytest_collection_modifyitems(config, items):
    for item in items:
        kinds = []
        if item.module.__name__.endswith("test_html_browser"):
            kinds.append("browser")
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            kinds.append("server")
        for kind in kinds:
            item.add_marker(getattr(pytest.mark, kind))
        if kinds:
            item.add_marker(pytest.mark.slow)
