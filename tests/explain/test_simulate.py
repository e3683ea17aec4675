"""Stage and route choice, ARNs, integrations and permissions as `explain` reports them."""

import pytest

from tests.explain.conftest import ACCOUNT, API_ARN, FUNCTION_ARN, REGION, grant


def _candidates(doc):
    return {c["route_key"]: c for c in doc["steps"]["route"]["candidates"]}


def test_first_segment_naming_a_stage_picks_that_stage(seed, explain):
    seed.api["Stages"].append({"StageName": "prod", "AutoDeploy": True})
    code, doc = explain(seed.doc, "GET", "/prod/items/9")
    assert code == 0
    assert doc["steps"]["stage"]["name"] == "prod"
    assert doc["steps"]["stage"]["path_in_stage"] == "/items/9"
    assert doc["steps"]["source_arn"]["arn"] == f"{API_ARN}/prod/GET/items/{{id}}"
    assert doc["verdict"]["event"]["fields"]["event.requestContext.stage"] == "prod"
    code, doc = explain(seed.doc, "GET", "/items/9")
    assert doc["steps"]["stage"]["name"] == "$default"


def test_no_stage_named_and_no_default_is_404(seed, explain):
    seed.api["Stages"] = [{"StageName": "prod", "AutoDeploy": True}]
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 1
    assert doc["verdict"]["status"] == 404
    assert doc["verdict"]["rule_id"] is None  # the API is served, just not at this URL
    assert "/prod" in doc["verdict"]["summary"]
    assert explain(seed.doc, "GET", "/prod/items")[0] == 0
    assert explain(seed.doc, "--stage", "prod", "GET", "/items")[0] == 0
    code, doc = explain(seed.doc, "--stage", "beta", "GET", "/items")
    assert code == 1 and doc["verdict"]["status"] == 404


def test_literal_beats_parameter_and_specific_method_beats_any(seed, explain):
    seed.add_route("GET /items/special")
    seed.add_route("ANY /items/{id}")
    code, doc = explain(seed.doc, "GET", "/items/special")
    assert doc["steps"]["route"]["chosen"] == "GET /items/special"
    lost = _candidates(doc)["GET /items/{id}"]
    assert lost["matched"] and not lost["won"] and "literal `special` beats `{id}`" in lost["reason"]
    code, doc = explain(seed.doc, "GET", "/items/5")
    assert doc["steps"]["route"]["chosen"] == "GET /items/{id}"
    assert "specific method GET beats ANY" in _candidates(doc)["ANY /items/{id}"]["reason"]
    code, doc = explain(seed.doc, "DELETE", "/items/5")
    assert doc["steps"]["route"]["chosen"] == "ANY /items/{id}"


def test_greedy_route_takes_the_rest_of_the_path_and_beats_default(seed, explain, cli):
    seed.add_route("ANY /files/{proxy+}")
    code, doc = explain(seed.doc, "GET", "/files/a/b/c.txt")
    assert code == 0
    assert doc["steps"]["route"]["chosen"] == "ANY /files/{proxy+}"
    assert doc["verdict"]["event"]["path_parameters"] == {"proxy": "a/b/c.txt"}
    assert "greedy match beats the `$default` route" in _candidates(doc)["$default"]["reason"]
    # the ANY route's ARN: the method form and the ANY form, since AWS does not document which
    assert doc["steps"]["source_arn"]["arn"] == f"{API_ARN}/$default/GET/files/{{proxy+}}"
    assert doc["steps"]["source_arn"]["alternatives"] == [f"{API_ARN}/$default/ANY/files/{{proxy+}}"]
    code, out, _ = cli("explain", seed.doc, "GET", "/files/a/b/c.txt")
    assert 'pathParameters.proxy = "a/b/c.txt"' in out


def test_default_route_catches_the_rest(seed, explain):
    code, doc = explain(seed.doc, "DELETE", "/whatever/here")
    assert code == 0
    assert doc["steps"]["route"]["chosen"] == "$default"
    assert doc["steps"]["source_arn"]["arn"] == f"{API_ARN}/$default/$default"


def test_any_route_granted_one_method_is_a_probable_500(seed, explain):
    seed.add_route("ANY /things")
    seed.set_statements([grant(f"{API_ARN}/*/GET/*"), grant(f"{API_ARN}/*/*/items*", sid="items"),
                         grant(f"{API_ARN}/*/$default", sid="default")])
    code, doc = explain(seed.doc, "GET", "/things")
    assert code == 1
    verdict = doc["verdict"]
    assert verdict["rule_id"] == "AGW203" and verdict["status"] == 500 and not verdict["certain"]
    assert doc["steps"]["permission"]["coverage"] == "partial"
    first = doc["steps"]["permission"]["statements"][0]
    assert first["verdict"] == "allows some forms"
    assert first["matches"] == [f"{API_ARN}/$default/GET/things"]


def test_credentials_role_bypasses_the_resource_policy(seed, explain):
    del seed.function["Policy"]
    seed.integration["CredentialsArn"] = f"arn:aws:iam::{ACCOUNT}:role/apigw-invoke"
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 0
    assert doc["steps"]["permission"]["path"] == "credentials"
    assert any("apigw-invoke" in c for c in doc["verdict"]["conditions"])


def test_stage_variable_names_the_function_per_stage(seed, explain):
    seed.integration["IntegrationUri"] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:${{stageVariables.fn}}"
    seed.api["Stages"][0]["StageVariables"] = {"fn": "my-frontend-app-api"}
    seed.api["Stages"].append({"StageName": "dev", "AutoDeploy": True, "StageVariables": {}})
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 0
    assert doc["steps"]["function"]["invoked_arn"] == FUNCTION_ARN
    assert doc["steps"]["function"]["resolved_from"] == "stage variables of stage $default"
    code, doc = explain(seed.doc, "GET", "/dev/items")
    assert code == 1 and doc["verdict"]["outcome"] == "unknown"


def test_function_not_in_snapshot_cannot_be_judged(seed, explain):
    seed.scope["Functions"] = []
    seed.scope["Complete"] = False
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 1
    assert doc["verdict"]["outcome"] == "unknown" and doc["verdict"]["status"] is None
    assert doc["verdict"]["rule_id"] == "AGW000"


def test_function_missing_from_complete_scope(seed, explain):
    seed.scope["Functions"] = []
    code, doc = explain(seed.doc, "GET", "/items")
    assert (code, doc["verdict"]["status"], doc["verdict"]["rule_id"]) == (1, 500, "AGW114")


@pytest.mark.parametrize("change, rule", [
    ({"IntegrationUri": "arn:aws:lambda:us-east-1:123456789012:my-frontend-app-api"}, "AGW113"),
    ({"IntegrationType": "AWS"}, "AGW112"),
])
def test_broken_integration_is_500(seed, explain, change, rule):
    seed.integration.update(change)
    code, doc = explain(seed.doc, "GET", "/items")
    assert (code, doc["verdict"]["status"], doc["verdict"]["rule_id"]) == (1, 500, rule)


def test_http_proxy_reaches_its_backend(seed, explain):
    seed.integration.update({"IntegrationType": "HTTP_PROXY", "IntegrationUri": "https://example.com/{proxy}",
                             "IntegrationMethod": "ANY"})
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 0 and doc["verdict"]["outcome"] == "reaches-backend"
    assert "function" not in doc["steps"]


def test_lambda_authorizer_without_permission_stops_the_request(seed, explain):
    authorizer_fn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:authz"
    seed.scope["Functions"].append({"FunctionName": "authz", "FunctionArn": authorizer_fn, "Timeout": 3})
    seed.api["Authorizers"] = [{"AuthorizerId": "au1", "Name": "lambda-auth", "AuthorizerType": "REQUEST",
                                "AuthorizerUri": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                                                 f"{authorizer_fn}/invocations"}]
    route = seed.route("GET /items")
    route.update({"AuthorizationType": "CUSTOM", "AuthorizerId": "au1"})
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 1 and doc["verdict"]["rule_id"] == "AGW205"
    assert "authorizers/au1" in doc["verdict"]["fix"]


def test_jwt_route_reaches_on_condition(seed, explain):
    seed.api["Authorizers"] = [{"AuthorizerId": "jw1", "Name": "cognito", "AuthorizerType": "JWT"}]
    seed.route("GET /items").update({"AuthorizationType": "JWT", "AuthorizerId": "jw1"})
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 0
    assert any("JWT" in c and "401" in c for c in doc["verdict"]["conditions"])


def test_deny_statement_wins(seed, explain):
    deny = grant(f"{API_ARN}/*/POST/*", sid="no-post")
    deny["Effect"] = "Deny"
    seed.set_statements([grant(f"{API_ARN}/*"), deny])
    code, doc = explain(seed.doc, "POST", "/items")
    assert code == 1 and doc["verdict"]["rule_id"] == "AGW203"
    verdicts = {s["sid"]: s["verdict"] for s in doc["steps"]["permission"]["statements"]}
    assert verdicts == {"apigateway-invoke": "allows", "no-post": "denies"}


@pytest.mark.parametrize("operator, pattern, reaches", [
    ("StringLike", "arn:aws:execute-api:*", True),  # StringLike's `*` crosses ':'
    ("StringEquals", f"{API_ARN}/*", False),  # StringEquals is literal: `*` matches nothing
])
def test_permission_step_compares_with_the_statement_operator(seed, explain, operator, pattern, reaches):
    seed.set_statements([grant(condition={operator: {"AWS:SourceArn": pattern}})])
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == (0 if reaches else 1)
    (statement,) = doc["steps"]["permission"]["statements"]
    assert {c["operator"] for c in statement["source_arn_comparisons"]} == {operator}
    assert any(c["match"] for c in statement["source_arn_comparisons"]) == reaches


def test_two_source_arn_operators_are_both_shown_and_both_required(seed, explain):
    seed.set_statements([grant(condition={"ArnLike": {"AWS:SourceArn": f"{API_ARN}/*/GET/*"},
                                          "StringLike": {"AWS:SourceArn": f"{API_ARN}/*/*/items"}})])
    assert explain(seed.doc, "GET", "/items")[0] == 0
    code, doc = explain(seed.doc, "POST", "/items")
    assert code == 1 and doc["verdict"]["status"] == 500
    (statement,) = doc["steps"]["permission"]["statements"]
    source = next(c for c in statement["checks"] if c["check"] == "source-arn")
    assert not source["ok"] and source["detail"] == f"ArnLike {API_ARN}/*/GET/* and StringLike {API_ARN}/*/*/items"


def test_principal_org_id_statement_is_explained_as_never_matching(seed, explain):
    seed.set_statements([grant(f"{API_ARN}/*", principal="*", condition={
        "ArnLike": {"AWS:SourceArn": f"{API_ARN}/*"}, "StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}})])
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 1 and doc["verdict"]["status"] == 500
    (statement,) = doc["steps"]["permission"]["statements"]
    assert statement["verdict"] == "does not apply"
    assert any(c["check"] == "conditions" and not c["ok"] for c in statement["checks"])


def test_values_left_to_deployment_make_the_answer_unknown_not_certain(seed, explain, cli):
    seed.integration["IntegrationType"] = "${unresolved:parameter T}"
    code, doc = explain(seed.doc, "GET", "/items")
    assert doc["verdict"]["outcome"] == "unknown" and not doc["verdict"]["certain"]
    seed = type(seed)()
    seed.api["Routes"] = [{"RouteId": "r1", "RouteKey": "${unresolved:parameter K}", "Target": "integrations/a1b2c3"}]
    code, doc = explain(seed.doc, "GET", "/items")
    assert doc["verdict"]["outcome"] == "unknown" and doc["verdict"]["status"] is None
    assert "- ?    ${unresolved:parameter K}" in cli("explain", seed.doc, "GET", "/items")[1]
    assert "\n?    ${unresolved:parameter K}" in cli("routes", seed.doc)[1]


def test_explain_runs_when_the_configuration_selects_nothing(seed, cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".apigw-auditor.toml").write_text('select = ["AGW305"]\nignore = ["AGW305"]\n')
    code, out, err = cli("explain", seed.doc, "GET", "/items")
    assert code == 0, err


def test_a_route_key_left_to_deployment_makes_a_match_uncertain(seed, explain):
    seed.api["Routes"].append({"RouteId": "rk", "RouteKey": "${unresolved:parameter K}", "Target": "integrations/a1b2c3"})
    code, doc = explain(seed.doc, "GET", "/nothing/here")  # matched by $default, unless K outranks it
    assert doc["verdict"]["outcome"] == "reaches-function" and not doc["verdict"]["certain"]
    assert any("not known before deployment" in c for c in doc["verdict"]["conditions"])
