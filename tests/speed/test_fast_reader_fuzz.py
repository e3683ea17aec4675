"""The typed reader (msgspec straight into the model) against the general reader on mutated snapshots:
whatever a mutation does (a null, a wrong type, an unknown key, a value beyond a limit), both give the
same report or the same error, since the typed reader declines anything it would read differently."""

import copy
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from auditor import snapshot as snapshot_module
from auditor.cli import main
from tests.speed.test_identical_results import DOCUMENTS

VALUES = [None, 0, 1, -1, 10**30, 1.5, True, False, "", "x", "GET /", "integrations/zz", "${unresolved:a}", [], [1],
          ["a"], {}, {"a": 1}, {"DestinationArn": 5}, {"DestinationArn": None}, '{"Statement": []}',
          '{"Statement": {"Effect": "Allow"}}', "arn:aws:lambda:us-east-1:123456789012:function:f", {"File": "x", "Line": 3},
          "x" * 10_241]
KEYS = ["RouteKey", "RouteId", "Target", "AuthorizationType", "AuthorizerId", "IntegrationId", "IntegrationType",
        "IntegrationUri", "PayloadFormatVersion", "TimeoutInMillis", "StageName", "AutoDeploy", "AccessLogSettings",
        "AuthorizerType", "Name", "Tags", "Policy", "FunctionArn", "FunctionName", "Timeout", "Aliases", "Versions",
        "SourceLocation", "ApiId", "ProtocolType", "Routes", "Integrations", "Stages", "Authorizers", "StageVariables",
        "DefaultRouteSettings", "RouteSettings", "DisableExecuteApiEndpoint", "CorsConfiguration",
        "TargetIntegrationId", "AuthorizerIdKnown", "ConnectionType", "Complete", "Errors", "Roles", "(api)", "Extra"]
NAMES = sorted(name for name, doc in DOCUMENTS.items() if len(json.dumps(doc)) < 200_000)


def _objects(node, out: list) -> list:
    if isinstance(node, dict):
        out.append(node)
        for value in node.values():
            _objects(value, out)
    elif isinstance(node, list):
        for value in node:
            _objects(value, out)
    return out


def _audit(capsys, monkeypatch, fast: bool):
    monkeypatch.setattr(snapshot_module, "FAST_MIN_BYTES", 0 if fast else 1 << 60)
    capsys.readouterr()
    code = main(["audit", "snapshot.json", "--format", "json", "--fail-on", "never"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


mutation = st.tuples(st.integers(0, 10_000), st.sampled_from(KEYS), st.sampled_from(range(len(VALUES))), st.booleans())


@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(NAMES), mutations=st.lists(mutation, min_size=1, max_size=3))
def test_typed_and_general_readers_agree_on_mutated_snapshots(tmp_path_factory, capsys, monkeypatch, name, mutations):
    folder = tmp_path_factory.mktemp("fuzz")
    monkeypatch.chdir(folder)
    document = copy.deepcopy(DOCUMENTS[name])
    for position, key, value, remove in mutations:
        objects = _objects(document, [])
        target = objects[position % len(objects)]
        if remove:
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(VALUES[value])
    (folder / "snapshot.json").write_text(json.dumps(document))
    fast = _audit(capsys, monkeypatch, True)
    general = _audit(capsys, monkeypatch, False)
    assert fast == general
    assert "Traceback" not in fast[2]
