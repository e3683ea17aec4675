"""`explain` and `audit` never disagree (issue 11).

For every input fixture in tests/ and examples/, every HTTP API, every stage that serves and every
route with a valid key, a request shaped like the route is explained, and the verdict is compared
with what `audit`'s own JSON report implies for that route on that stage:

- a high (or critical) finding that stops requests on it (the route, its integration, the function
  that stage invokes, the authorizer it runs, the API as a whole) -> explain must say it fails, citing
  a rule `audit` reported;
- else an AGW000 finding on the route or its integration -> explain must say it cannot tell;
- else -> explain must say the request reaches its backend.

The implied verdict is read from the report alone (rule ids, resources and the stage names the
messages give), never from explain's own analysis.
"""

import json
import re
from pathlib import Path

import pytest

from auditor.core.arns import is_unresolved, parse_function_uri, substitute_stage_variables
from auditor.cli import main
from auditor.errors import InputError, UsageError
from auditor.inputs import load_inputs
from auditor.core.routekey import parse_route_key
from auditor.core.simulate import Request, Simulator
from tests.seed import ROOT

_INPUT_SUFFIXES = (".json", ".yaml", ".yml", ".template")
_FOLDER_INPUTS = {"cdk.out", "cli-outputs"}


def _fixtures() -> list[Path]:
    found = []
    for base in (ROOT / "tests", ROOT / "examples"):
        for path in sorted(base.rglob("*")):
            if any(part in _FOLDER_INPUTS for part in path.relative_to(ROOT).parts[:-1]):
                continue  # read as a whole folder below
            if path.is_dir() and path.name in _FOLDER_INPUTS:
                found.append(path)
            elif path.is_file() and path.suffix in _INPUT_SUFFIXES and "__pycache__" not in path.parts:
                found.append(path)
    return found


FIXTURES = _fixtures()
# Findings that stop a request; (rule, where): where the finding sits (route, integration, authorizer, api).
_ROUTE_STOPS = {"AGW101", "AGW102", "AGW103", "AGW203", "AGW106"}
_INTEGRATION_STOPS = {"AGW112", "AGW113", "AGW114", "AGW201", "AGW202", "AGW204", "AGW206", "AGW210"}
_AUTHORIZER_STOPS = {"AGW205", "AGW206", "AGW114", "AGW210"}
_API_STOPS = {"AGW105"}
_STAGES = re.compile(r"stage\(s\) (.+?)(?:\)|;|:| do not| but| requests|, a name| get)")
_HIGH = {"high", "critical"}


def _stages_named(message: str) -> set[str] | None:
    match = _STAGES.search(message)
    return {s.strip() for s in match.group(1).split(",")} if match else None


def _on_stage(finding: dict, stage: str) -> bool:
    """Does the finding hold on this stage? (Per-stage findings name their stages; others hold on all.)"""
    if finding["resource"].get("stage"):
        return finding["resource"]["stage"] == stage
    named = _stages_named(finding["message"])
    return named is None or stage in named


def _request_path(key) -> str:
    if key.is_default:
        return "/agreement-probe/nothing-else-matches"
    parts = []
    for segment in key.segments:
        parts.append("a/b" if segment.endswith("+}") else "v1" if segment.startswith("{") else segment)
    return "/" + "/".join(parts)


def _invoked_function(integration_raw: dict, stage) -> str | None:
    """The function ARN a stage invokes through an integration, from the input alone."""
    uri = integration_raw.get("IntegrationUri") or ""
    variables = stage.raw.get("StageVariables")
    ref = parse_function_uri(substitute_stage_variables(uri, variables if isinstance(variables, dict) else {}))
    return ref.arn if ref else None


def _implied(report: list[dict], api, stage, route, integration_id, integration) -> tuple[str, set[str]]:
    """(fails | unknown | ok, the rule ids that imply it) from audit's report alone."""
    invoked = _invoked_function(integration.raw, stage) if integration is not None else None
    authorizer = route.authorizer_id if (route.authorization_type or "").upper() == "CUSTOM" else None
    stops, unknown = set(), set()
    for finding in report:
        r = finding["resource"]
        if r.get("api_id") != api.id or r.get("region") != api.scope.region:
            continue
        rule = finding["rule_id"]
        on_route = r.get("route_key") == route.key
        on_integration = integration_id is not None and r.get("integration_id") == integration_id and not r.get("route_key")
        same_function = r.get("function_arn") in (None, invoked) or invoked is None
        if finding["severity"] in _HIGH and _on_stage(finding, stage.name):
            if (rule in _ROUTE_STOPS and on_route) or (rule in _INTEGRATION_STOPS and on_integration and same_function) \
                    or (rule in _AUTHORIZER_STOPS and authorizer and r.get("authorizer_id") == authorizer) \
                    or (rule in _API_STOPS and not r.get("route_key") and not r.get("integration_id")):
                stops.add(rule)
        if rule == "AGW000" and (on_route or on_integration) and not r.get("statement_id") \
                and _on_stage(finding, stage.name):  # (a statement_id: a suppression tag or a failed call)
            unknown.add(rule)
    if stops:
        return "fails", stops
    return ("unknown", unknown) if unknown else ("ok", set())


def _audit_report(path: Path, capsys) -> list[dict]:
    capsys.readouterr()
    code = main(["audit", str(path), "--format", "json", "--fail-on", "never", "--allow-empty"])  # fixtures holding only unjudged APIs (REST) audit nothing
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)["findings"]


def disagreements(path: Path, capsys) -> tuple[list[str], int]:
    """Every (API, stage, route) where explain's verdict is not what audit's report implies; and how many
    were compared."""
    report = _audit_report(path, capsys)
    simulator = Simulator(load_inputs([str(path)]))
    found, compared = [], 0
    for api in simulator.index.apis:
        if not api.is_http or not api.has_routes or not api.has_stages:
            continue
        for stage in api.stages:
            if not stage.serves or is_unresolved(stage.name) or "/" in stage.name:
                continue
            for route in api.routes:
                key = parse_route_key(route.key)
                if key is None or (key.method == "OPTIONS" and isinstance(api.raw.get("CorsConfiguration"), dict)):
                    continue
                method = "GET" if key.method in ("ANY", "$default") else key.method
                explanation = simulator.explain(Request(method, _request_path(key), api.id, api.scope.region,
                                                        stage=stage.name))
                steps, verdict = explanation.steps, explanation.verdict
                if steps.get("route", {}).get("chosen") != route.key:
                    continue  # a higher-priority route took the probe; that route is compared on its own turn
                compared += 1
                target = steps.get("target") or {}
                integration = simulator.index.integrations_of(api).get(target.get("integration_id") or "")
                expected, rules = _implied(report, api, stage, route, target.get("integration_id"), integration)
                said = {"reaches-function": "ok", "reaches-backend": "ok", "fails": "fails",
                        "unknown": "unknown"}[verdict.outcome]
                if said == "ok" and not verdict.certain and expected == "unknown":
                    said = "unknown"  # reaches only on a condition audit lists as not checked (AGW000)
                if said != expected or (said == "fails" and verdict.rule_id not in rules):
                    found.append(f"{api.id} stage {stage.name} `{route.key}`: explain {said} "
                                 f"({verdict.rule_id}: {verdict.summary}); audit implies {expected} "
                                 f"({', '.join(sorted(rules)) or 'no finding'})")
    return found, compared


@pytest.mark.parametrize("path", FIXTURES, ids=[str(p.relative_to(ROOT)) for p in FIXTURES])
def test_explain_agrees_with_audit_on_every_route_of_every_fixture(path, capsys):
    try:
        load_inputs([str(path)])
    except (UsageError, InputError):
        pytest.skip("not an input on its own (an included file, a config file)")
    found, compared = disagreements(path, capsys)
    assert not found, "\n".join(found)
    if not compared:
        pytest.skip("no HTTP API route with a serving stage to compare")


def _variants():
    """The seams of issue 11 as snapshots: each must keep audit and explain in agreement."""
    from tests.seed import ACCOUNT, REGION, Seed, grant
    other = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:other"

    def stage_variables(seed):
        seed.integration["IntegrationUri"] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:${{stageVariables.fn}}"
        seed.api["Stages"] = [{"StageName": "prod", "AutoDeploy": True, "StageVariables": {"fn": "my-frontend-app-api"}},
                              {"StageName": "dev", "AutoDeploy": True, "StageVariables": {"fn": "other"}},
                              {"StageName": "test", "AutoDeploy": True}]
        seed.scope["Functions"].append({"FunctionName": "other", "FunctionArn": other, "Timeout": 3})

    def narrowed(seed):
        seed.set_statements([grant(f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123def4/prod/GET/items")])
        seed.api["Stages"].append({"StageName": "prod", "AutoDeploy": True})

    def other_partition(seed):
        cn = "arn:aws-cn:lambda:cn-north-1:123456789012:function:my-frontend-app-api"
        seed.integration["IntegrationUri"] = cn
        seed.function["FunctionArn"] = cn

    def authorizer(seed):
        auth = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:authz"
        seed.api["Authorizers"] = [{"AuthorizerId": "au1", "Name": "authz", "AuthorizerType": "REQUEST",
                                    "AuthorizerUri": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                                                     f"{auth}/invocations"},
                                   {"AuthorizerId": "au2", "Name": "unused", "AuthorizerType": "REQUEST",
                                    "AuthorizerUri": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                                                     f"{auth}/invocations"}]
        seed.scope["Functions"].append({"FunctionName": "authz", "FunctionArn": auth, "Timeout": 3})
        seed.route("POST /items").update(AuthorizationType="CUSTOM", AuthorizerId="au1")

    def throttled(seed):
        seed.api["Stages"][0]["RouteSettings"] = {"GET /items": {"ThrottlingRateLimit": 0}}

    def not_principal(seed):
        seed.set_statements([{"Sid": "np", "Effect": "Allow", "NotPrincipal": {"Service": "apigateway.amazonaws.com"},
                              "Action": "lambda:InvokeFunction", "Resource": seed.function["FunctionArn"]}])

    for change in (stage_variables, narrowed, other_partition, authorizer, throttled, not_principal):
        seed = Seed()
        change(seed)
        yield change.__name__, seed.doc


VARIANTS = list(_variants())


@pytest.mark.parametrize("doc", [doc for _, doc in VARIANTS], ids=[name for name, _ in VARIANTS])
def test_explain_agrees_with_audit_at_the_seams(doc, tmp_path, capsys):
    path = tmp_path / "snapshot.json"
    path.write_text(json.dumps(doc))
    found, compared = disagreements(path, capsys)
    assert compared and not found, "\n".join(found)
