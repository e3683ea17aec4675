"""Property-based checks: explain and the rules cannot disagree; ArnLike matches a reference matcher."""

import json

from hypothesis import HealthCheck, event, given, settings, strategies as st

from auditor.core.arnlike import arn_like
from auditor.engine import all_rules, run_audit
from auditor.core.routekey import CONCRETE_METHODS
from auditor.core.simulate import Request, Simulator
from auditor.snapshot import read_snapshot_document

ACCOUNT, REGION, API = "123456789012", "us-east-1", "abc123def4"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn"
LITERALS = ["items", "pets", "users"]  # never a stage name, never a request's parameter value
STAGES = ["$default", "prod", "dev"]

segment = st.one_of(st.sampled_from(LITERALS), st.sampled_from(["{id}", "{name}"]))
route_key = st.one_of(
    st.just("$default"),
    st.builds(lambda method, segments, greedy: f"{method} /" + "/".join(segments + (["{proxy+}"] if greedy else [])),
              st.sampled_from(["GET", "POST", "DELETE", "ANY"]), st.lists(segment, min_size=1, max_size=3),
              st.booleans()),
)
source_arn = st.one_of(
    st.builds(lambda api, stage, method, path: f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/{stage}/{method}{path}",
              st.sampled_from([API, "abc*", "*", "abc123def?", "zzz000zzz0"]),
              st.sampled_from(["*", "prod", "$default", "dev", "?rod", "d*"]),
              st.sampled_from(["*", "GET", "POST", "ANY", "DELETE", "G*", "?OST"]),
              st.sampled_from(["", "/*", "/items", "/items/*", "/items/{id}", "/pets/*", "*", "/*/{proxy+}"])),
    st.builds(lambda region, tail: f"arn:aws:execute-api:{region}:{ACCOUNT}:{API}{tail}",
              st.sampled_from([REGION, "us-*", "eu-west-1"]), st.sampled_from(["/*", "/*/*/*", "/prod/*", "/*/$default"])),
)


def _document(keys, stages, patterns, qualifier):
    statements = [{"Sid": f"s{i}", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                   "Action": "lambda:InvokeFunction", "Resource": FUNCTION_ARN,
                   "Condition": {"ArnLike": {"AWS:SourceArn": pattern}}} for i, pattern in enumerate(patterns)]
    function = {"FunctionName": "fn", "FunctionArn": FUNCTION_ARN, "Timeout": 3,
                "Policy": json.dumps({"Version": "2012-10-17", "Statement": statements}) if statements else None}
    if qualifier:
        function["Aliases"] = [{"Name": "live", "AliasArn": FUNCTION_ARN + ":live"}]
    api = {"ApiId": API, "Name": "gen", "ProtocolType": "HTTP",
           "Routes": [{"RouteId": f"r{i}", "RouteKey": key, "Target": "integrations/i1", "AuthorizationType": "NONE"}
                      for i, key in enumerate(keys)],
           "Integrations": [{"IntegrationId": "i1", "IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0",
                             "IntegrationUri": FUNCTION_ARN + (":live" if qualifier else "")}],
           "Stages": [{"StageName": stage, "AutoDeploy": True} for stage in stages]}
    return {"SnapshotVersion": 1, "Scopes": [{"AccountId": ACCOUNT, "Region": REGION, "Complete": True,
                                              "Apis": [api], "Functions": [function]}]}


def _requests(key):
    """Requests shaped like the route (values no literal or stage uses); the simulator says which route wins."""
    if key == "$default":
        return [(m, "/zzz/unmatched") for m in CONCRETE_METHODS]
    method, _, path = key.partition(" ")
    methods = CONCRETE_METHODS if method == "ANY" else (method,)
    segments = path[1:].split("/")
    fixed = ["v1" if s.startswith("{") else s for s in segments if not s.endswith("+}")]
    if segments[-1].endswith("+}"):
        paths = ["/" + "/".join(fixed + ["g"] * depth) for depth in (1, 2, 3)]
    else:
        paths = ["/" + "/".join(fixed)]
    return [(m, p) for m in methods for p in paths]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(keys=st.lists(route_key, min_size=1, max_size=6, unique=True),
       stages=st.lists(st.sampled_from(STAGES), min_size=1, max_size=3, unique=True),
       patterns=st.one_of(st.lists(source_arn, min_size=1, max_size=3), st.lists(source_arn, max_size=3)),
       qualifier=st.sampled_from([False, False, False, True]))
def test_agw203_uncovered_routes_are_exactly_those_explain_says_get_500(keys, stages, patterns, qualifier):
    snapshot = read_snapshot_document(_document(keys, stages, patterns, qualifier), "generated.json")
    findings = run_audit(snapshot, all_rules()).findings
    uncovered = {f.resource.route_key for f in findings if f.rule_id == "AGW203"}
    blocking = {f.rule_id for f in findings if f.rule_id in ("AGW201", "AGW202", "AGW204")}
    simulator = Simulator(snapshot)
    for key in keys:
        verdicts = []
        for method, path in _requests(key):
            for stage in stages:
                full = path if stage == "$default" else f"/{stage}{path}"
                explanation = simulator.explain(Request(method, full))
                if explanation.steps["route"]["chosen"] == key:
                    verdicts.append(explanation.verdict)
        if not verdicts:
            continue  # shadowed for every request we tried: nothing to compare
        for verdict in verdicts:
            assert verdict.reaches or verdict.status == 500, verdict
        says_500 = any(not v.reaches for v in verdicts)
        event("blocked by AGW201/202/204" if blocking else "route gets 500" if says_500 else "route reaches")
        if blocking:
            assert all(not v.reaches and v.rule_id in blocking for v in verdicts)
            assert key not in uncovered
        else:
            assert (key in uncovered) == says_500, (key, [v.summary for v in verdicts])
            assert all(v.rule_id == "AGW203" for v in verdicts if not v.reaches)


# ---------------------------------------------------------------------------- ArnLike vs a reference

def reference_glob(pattern: str, text: str) -> bool:
    """Textbook dynamic programming: match[i][j] = pattern[:i] matches text[:j]."""
    match = [[False] * (len(text) + 1) for _ in range(len(pattern) + 1)]
    match[0][0] = True
    for i in range(1, len(pattern) + 1):
        if pattern[i - 1] == "*":
            match[i][0] = match[i - 1][0]
        for j in range(1, len(text) + 1):
            if pattern[i - 1] == "*":
                match[i][j] = match[i - 1][j] or match[i][j - 1]
            elif pattern[i - 1] == "?" or pattern[i - 1] == text[j - 1]:
                match[i][j] = match[i - 1][j - 1]
    return match[len(pattern)][len(text)]


def reference_arn_like(pattern: str, arn: str) -> bool:
    pattern_parts, arn_parts = pattern.split(":"), arn.split(":")
    return len(pattern_parts) == len(arn_parts) and all(
        reference_glob(p, a) for p, a in zip(pattern_parts, arn_parts))


patterns = st.text(alphabet="ab/:*?", max_size=14)
arns = st.text(alphabet="ab/:", max_size=14)


@settings(max_examples=2000, deadline=None)
@given(pattern=patterns, arn=arns)
def test_arn_like_agrees_with_reference_on_random_strings(pattern, arn):
    assert arn_like(pattern, arn) == reference_arn_like(pattern, arn)


@st.composite
def pattern_and_instance(draw):
    """A pattern and an ARN built from it (wildcards filled in), then maybe mutated: mostly near-misses."""
    pattern = draw(st.text(alphabet="abc/-*?", min_size=0, max_size=12))
    parts = []
    for ch in pattern:
        if ch == "*":
            parts.append(draw(st.text(alphabet="abc/-", max_size=4)))
        elif ch == "?":
            parts.append(draw(st.sampled_from("abc/-")))
        else:
            parts.append(ch)
    instance = "".join(parts)
    if draw(st.booleans()) and instance:
        position = draw(st.integers(0, len(instance) - 1))
        instance = instance[:position] + draw(st.sampled_from("abc/-:")) + instance[position + 1:]
    prefix = "arn:aws:execute-api:us-east-1:123456789012:"
    return prefix + "abc123def4" + pattern, prefix + "abc123def4" + instance


@settings(max_examples=2000, deadline=None)
@given(pair=pattern_and_instance())
def test_arn_like_agrees_with_reference_on_execute_api_arns(pair):
    pattern, arn = pair
    assert arn_like(pattern, arn) == reference_arn_like(pattern, arn)


def test_reference_matcher_is_a_real_matcher():
    assert reference_arn_like("arn:aws:execute-api:*:1:api/*/GET/items", "arn:aws:execute-api:us-east-1:1:api/prod/GET/items")
    assert not reference_arn_like("arn:aws:execute-api:*:1:api/*", "arn:aws:execute-api:us-east-1:2:api/prod")
    assert not reference_glob("a*", "b") and reference_glob("?b*", "abxyz")
