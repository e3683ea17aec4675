"""Every test: each AWS call the live collector makes (whatever collector made it) must be allowed by the
audit role shipped in deploy/, so a new call cannot land without its permission (tests/audit_role.py)."""

import pytest


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
