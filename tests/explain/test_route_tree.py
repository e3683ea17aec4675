"""The shortcuts the wiring graph's simulations take must answer exactly as the general code does: the route
tree holds every route a request matches, a route's own rank is match_route's, and explain asked for the
matching candidates only gives the same verdict (the HTML report of an API of 10,000 routes relies on them)."""

from hypothesis import given, settings, strategies as st

from auditor.core.routekey import CONCRETE_METHODS, RouteTree, match_route, route_rank, parse_route_key
from auditor.core.simulate import Request, Simulator
from auditor.snapshot import read_snapshot_document

ACCOUNT, REGION, API = "123456789012", "us-east-1", "abc123def4"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn"

segment = st.sampled_from(["items", "Items", "ITEMS", "orders", "v1", "V1", "{id}", "{Id}", "{name}"])
route_key = st.one_of(
    st.just("$default"),
    st.builds(lambda method, segments, greedy: f"{method} /" + "/".join(segments + (["{proxy+}"] if greedy else [])),
              st.sampled_from(["GET", "POST", "ANY", "DELETE"]), st.lists(segment, max_size=3), st.booleans()),
    st.sampled_from(["GET /items/", "get /items", "GET //items", "GET /{proxy+}/x"]),  # invalid: never matched
)
request_path = st.one_of(
    st.builds(lambda parts: "/" + "/".join(parts),
              st.lists(st.sampled_from(["items", "Items", "orders", "v1", "V1", "7", "", "a%2Fb"]), max_size=4)),
    st.sampled_from(["", "/", "//", "/items/"]),
)


@settings(max_examples=300, deadline=None)
@given(keys=st.lists(route_key, max_size=12), path=request_path, method=st.sampled_from(CONCRETE_METHODS))
def test_the_route_tree_holds_every_route_a_request_matches(keys, path, method):
    parsed = [(i, parse_route_key(k)) for i, k in enumerate(keys)]
    tree = RouteTree((i, key) for i, key in parsed if key is not None)
    candidates = tree.candidates(path)
    assert candidates == sorted(candidates)
    matching = [i for i, key in parsed if key is not None and match_route(key, method, path).matched]
    assert set(matching) <= set(candidates)


@given(key=route_key)
def test_a_routes_route_rank_is_match_routes_rank_for_a_request_shaped_like_it(key):
    parsed = parse_route_key(key)
    if parsed is None:
        return
    method = "GET" if parsed.method in ("ANY", "$default") else parsed.method
    assert route_rank(parsed) == match_route(parsed, method, parsed.path or "/").rank


def _document(keys, stages):
    statement = {"Sid": "api", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                 "Action": "lambda:InvokeFunction", "Resource": FUNCTION_ARN,
                 "Condition": {"ArnLike": {"AWS:SourceArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API}/*/GET/*"}}}
    api = {"ApiId": API, "Name": "gen", "ProtocolType": "HTTP",
           "Routes": [{"RouteId": f"r{i}", "RouteKey": key, "Target": "integrations/i1", "AuthorizationType": "NONE"}
                      for i, key in enumerate(keys)],
           "Integrations": [{"IntegrationId": "i1", "IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0",
                             "IntegrationUri": FUNCTION_ARN}],
           "Stages": [{"StageName": stage, "AutoDeploy": True} for stage in stages]}
    function = {"FunctionName": "fn", "FunctionArn": FUNCTION_ARN, "Timeout": 3,
                "Policy": {"Version": "2012-10-17", "Statement": [statement]}}
    return {"SnapshotVersion": 1, "Scopes": [{"AccountId": ACCOUNT, "Region": REGION, "Complete": True,
                                              "Apis": [api], "Functions": [function]}]}


@settings(max_examples=150, deadline=None)
@given(keys=st.lists(route_key, min_size=1, max_size=10, unique=True), path=request_path,
       method=st.sampled_from(CONCRETE_METHODS), stages=st.sampled_from([["$default"], ["prod"], ["$default", "prod"]]))
def test_explain_with_the_matching_candidates_only_gives_the_same_answer(keys, path, method, stages):
    simulator = Simulator(read_snapshot_document(_document(keys, stages), "generated.json"))
    for stage in (None, *stages):
        request = Request(method, path, API, REGION, stage=stage)
        full = simulator.explain(request).as_dict()
        brief = simulator.explain(request, all_candidates=False).as_dict()
        if "route" in full["steps"]:
            candidates = full["steps"]["route"].pop("candidates")
            assert brief["steps"]["route"].pop("candidates") == [  # the valid keys that do not match left out
                c for c in candidates if c["matched"] is not False or c.get("rule_id") == "AGW104"]
        assert brief == full


def test_a_route_differing_in_letter_case_from_a_lower_case_request_is_named():
    """A route path with a capital and a request in lower case: the letter-case note is not skipped."""
    simulator = Simulator(read_snapshot_document(_document(["GET /Items", "GET /orders"], ["$default"]), "x.json"))
    verdict = simulator.explain(Request("GET", "/items", API, REGION)).verdict
    assert verdict.status == 404 and verdict.certain is False
    assert any("`GET /Items` but for letter case" in w["message"] for w in verdict.warnings)
    lowered = Simulator(read_snapshot_document(_document(["GET /items", "GET /orders"], ["$default"]), "x.json"))
    assert lowered.explain(Request("GET", "/Orders", API, REGION)).verdict.certain is False
    assert lowered.explain(Request("GET", "/orders", API, REGION)).verdict.certain is True
