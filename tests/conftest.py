"""Markers for the slow tests, set from what a test uses (no per-file bookkeeping to forget):

- `browser`: drives the real headless Chromium (tests/graph/test_html_browser.py);
- `server`: starts or uses moto in server mode, often with the real AWS CLI;
- `slow`: either of the two. `python -m pytest -q -m "not slow"` is the quick loop while editing;
  CI and README's command run everything.

Every test, too: each AWS call the live collector makes (whatever collector made it) must be allowed by the
audit role shipped in deploy/, so a new call cannot land without its permission (tests/audit_role.py).
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

@pytest.fixture(autouse=True)
def collector_calls(monkeypatch):
    """(IAM action, resource) of every call the collector made in this test; checked at teardown."""
    try:
        from auditor import live
    except ImportError:  # pragma: no cover - the package is always importable in this repository
        yield []
        return
    from tests.audit_role import call_of
    calls: list = []
    original = live.Collector._client

    def recording(self, session, service, region, *args, **kwargs):
        client = original(self, session, service, region, *args, **kwargs)

        def on_call(model=None, params=None, **_):
            calls.append(call_of(service, client.meta.region_name, model.name, params or {}))
        client.meta.events.register_first("before-call", on_call)
        return client
    monkeypatch.setattr(live.Collector, "_client", recording)
    yield calls
    if calls:
        from tests.audit_role import not_allowed
        missing = not_allowed(calls)
        assert not missing, (f"the collector called {missing}, which deploy/audit-role.cfn.yaml (and audit-role.tf, "
                             "scanner-policy.json) do not grant: add exactly that permission there")
