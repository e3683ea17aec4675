"""`explain` on REST APIs: resource and method selection, and each failure's documented status and body
(https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html), with the
API's own gateway responses applied."""

import json

import pytest

from auditor.cli import main
from tests.rest.estate import API, AUTH_FN, arn, fresh, grant, method, policy, resource, rest_api, scope, uri


def explain(tmp_path, capsys, doc, *request):
    path = tmp_path / "rest.json"
    path.write_text(json.dumps(doc))
    capsys.readouterr()
    code = main(["explain", str(path), *request, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_the_correct_api_reaches_the_function_with_path_parameters(tmp_path, capsys):
    code, out = explain(tmp_path, capsys, fresh(), "DELETE", "/prod/pets/42")
    verdict = out["verdict"]
    assert code == 0 and verdict["outcome"] == "reaches-function" and verdict["certain"]
    assert out["steps"]["route"]["chosen"] == "ANY /pets/{id}" and out["steps"]["route"]["resource"] == "/pets/{id}"
    assert verdict["event"]["path_parameters"] == {"id": "42"}


@pytest.mark.parametrize("method,path", [("GET", "/prod/cats"), ("DELETE", "/prod/pets")])
def test_no_resource_or_no_method_is_403_missing_authentication_token(tmp_path, capsys, method, path):
    code, out = explain(tmp_path, capsys, fresh(), method, path)
    assert code == 1 and out["verdict"]["status"] == 403
    assert out["verdict"]["summary"].startswith('403 {"message":"Missing Authentication Token"}')


def test_missing_permission_is_500_internal_server_error(tmp_path, capsys):
    doc = fresh()
    policy(doc)["Statement"] = []
    _, out = explain(tmp_path, capsys, doc, "GET", "/prod/pets")
    verdict = out["verdict"]
    assert verdict["status"] == 500 and verdict["summary"].startswith('500 {"message": "Internal server error"}')
    assert verdict["rule_id"] == "AGW201" and "add-permission" in verdict["fix"]


def test_api_key_without_usage_plan_is_403_forbidden(tmp_path, capsys):
    doc = fresh()
    resource(doc, "/pets")["resourceMethods"]["GET"]["apiKeyRequired"] = True
    _, out = explain(tmp_path, capsys, doc, "GET", "/prod/pets")
    assert out["verdict"]["summary"].startswith('403 {"message":"Forbidden"}') and out["verdict"]["rule_id"] == "AGW122"
    scope(doc)["UsagePlans"] = [{"id": "u", "apiStages": [{"apiId": API, "stage": "prod"}]}]
    code, out = explain(tmp_path, capsys, doc, "GET", "/prod/pets")
    assert code == 0 and any("API key" in c for c in out["verdict"]["conditions"])


@pytest.mark.parametrize("who", [
    {"Principal": "*"},
    # Deny + NotPrincipal: everyone but the role is denied, an anonymous caller included.
    {"NotPrincipal": {"AWS": "arn:aws:iam::123456789012:role/ops"}},
])
def test_resource_policy_deny_is_403(tmp_path, capsys, who):
    doc = fresh()
    rest_api(doc)["policy"] = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
        {"Sid": "nopost", "Effect": "Deny", **who, "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*/POST/*"}]})
    _, out = explain(tmp_path, capsys, doc, "POST", "/prod/pets")
    assert out["verdict"]["status"] == 403 and out["verdict"]["rule_id"] == "AGW221"
    assert "nopost" in out["verdict"]["summary"]
    code, _ = explain(tmp_path, capsys, doc, "GET", "/prod/pets")
    assert code == 0


def test_resource_policy_allow_with_not_action_naming_invoke_is_403(tmp_path, capsys):
    doc = fresh()
    rest_api(doc)["policy"] = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "NotAction": "execute-api:Invoke", "Resource": "execute-api:/*"}]})
    code, out = explain(tmp_path, capsys, doc, "GET", "/prod/pets")
    assert code != 0 and out["verdict"]["status"] == 403 and out["steps"]["resource_policy"]["verdict"] == "denied"
    assert "implicit deny" in out["verdict"]["summary"]


def test_disabled_default_endpoint_is_403(tmp_path, capsys):
    doc = fresh()
    rest_api(doc)["disableExecuteApiEndpoint"] = True
    _, out = explain(tmp_path, capsys, doc, "GET", f"https://{API}.execute-api.us-east-1.amazonaws.com/prod/pets")
    assert out["verdict"]["status"] == 403 and "disableExecuteApiEndpoint" in out["verdict"]["summary"]


def test_authorizer_that_cannot_be_invoked_is_500(tmp_path, capsys):
    doc = fresh()
    rest_api(doc)["Authorizers"] = [{"id": "au1", "name": "tok", "type": "TOKEN", "authorizerUri": uri(AUTH_FN),
                                     "identitySource": "method.request.header.Authorization"}]
    resource(doc, "/pets")["resourceMethods"]["GET"].update(authorizationType="CUSTOM", authorizerId="au1")
    policy(doc, "auth")["Statement"] = []
    _, out = explain(tmp_path, capsys, doc, "GET", "/prod/pets")
    assert out["verdict"]["status"] == 500 and out["verdict"]["rule_id"] == "AGW205"
    policy(doc, "auth")["Statement"] = [grant("auth", arn("/authorizers/au1"), AUTH_FN)]
    code, out = explain(tmp_path, capsys, doc, "GET", "/prod/pets")
    assert code == 0 and any("401" in c for c in out["verdict"]["conditions"])


def test_function_longer_than_the_integration_warns_504(tmp_path, capsys):
    doc = fresh()
    resource(doc, "/pets")["resourceMethods"]["GET"]["methodIntegration"]["timeoutInMillis"] = 3000
    _, out = explain(tmp_path, capsys, doc, "GET", "/prod/pets")
    [warning] = [w for w in out["verdict"]["warnings"] if w["rule_id"] == "AGW115"]
    assert "504" in warning["message"]


def test_a_gateway_response_that_overrides_the_status_is_applied(tmp_path, capsys):
    doc = fresh()
    rest_api(doc)["GatewayResponses"] = [
        {"responseType": "MISSING_AUTHENTICATION_TOKEN", "statusCode": "404", "defaultResponse": False,
         "responseTemplates": {"application/json": '{"message":"Not here"}'}},
        {"responseType": "ACCESS_DENIED", "statusCode": "403", "defaultResponse": True}]
    _, out = explain(tmp_path, capsys, doc, "GET", "/prod/cats")
    assert out["verdict"]["status"] == 404 and 'Not here' in out["verdict"]["summary"]
    assert any("instead of 403" in c for c in out["verdict"]["conditions"])


def test_stage_serving_an_old_deployment_is_403_missing_authentication_token(tmp_path, capsys):
    doc = fresh()
    del rest_api(doc)["Deployments"][0]["apiSummary"]["/pets"]["POST"]
    _, out = explain(tmp_path, capsys, doc, "POST", "/prod/pets")
    assert out["verdict"]["status"] == 403 and out["verdict"]["rule_id"] == "AGW123"


def test_routes_lists_rest_methods_in_priority_order(tmp_path, capsys):
    doc = fresh()
    policy(doc)["Statement"] = [grant("a", arn("/*/GET/*"))]
    path = tmp_path / "rest.json"
    path.write_text(json.dumps(doc))
    capsys.readouterr()
    assert main(["routes", str(path), "--format", "json"]) == 0
    table = json.loads(capsys.readouterr().out)
    keys = [row["route_key"] for row in table["routes"]]
    assert keys == ["GET /", "GET /pets", "POST /pets", "ANY /pets/{id}"]
    cells = {row["route_key"]: row["permission"]["status"] for row in table["routes"]}
    assert cells["GET /pets"] == "covered" and cells["POST /pets"] == "uncovered" and cells["ANY /pets/{id}"] == "partial"
    assert main(["routes", str(path)]) == 0
    assert "POST /pets" in capsys.readouterr().out


def test_method_throttled_to_zero_is_429(tmp_path, capsys):
    doc = fresh()
    rest_api(doc)["Stages"][0]["methodSettings"] = {"*/*": {"throttlingBurstLimit": 0}}
    _, out = explain(tmp_path, capsys, doc, "GET", "/prod/pets")
    assert out["verdict"]["status"] == 429 and out["verdict"]["rule_id"] == "AGW106"


def test_explain_agrees_with_audit_on_every_method(tmp_path, capsys):
    """Every method of a REST API with several planted mistakes: explain fails it with a rule audit reports on
    it (or on its API and function), and reaches the function only where audit reports nothing high."""
    from tests.rest.test_fix import _broken
    doc = _broken()
    rest_api(doc)["endpointConfiguration"] = {"types": ["REGIONAL"]}
    path = tmp_path / "rest.json"
    path.write_text(json.dumps(doc))
    capsys.readouterr()
    main(["audit", str(path), "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    compared = 0
    for key in ("GET /", "GET /pets", "POST /pets", "ANY /pets/{id}"):
        verb, _, template = key.partition(" ")
        request_path = "/prod" + template.replace("{id}", "7").rstrip("/")
        _, out = explain(tmp_path, capsys, doc, "GET" if verb == "ANY" else verb, request_path or "/prod/")
        verdict = out["verdict"]
        high = {f["rule_id"] for f in findings if f["severity"] in ("high", "critical")
                and f["resource"].get("route_key") == key}
        if verdict["reaches"]:
            assert not high & {"AGW120", "AGW122", "AGW123", "AGW201", "AGW203"}, (key, high)
        else:
            assert verdict["rule_id"] in {f["rule_id"] for f in findings
                                          if f["resource"].get("route_key") in (key, None)}, (key, verdict)
        compared += 1
    assert compared == 4


def test_explain_says_why_other_matching_resources_lost(tmp_path, capsys):
    doc = fresh()
    rest_api(doc)["Resources"] += [
        {"id": "lit", "parentId": "res1", "pathPart": "mine", "path": "/pets/mine", "resourceMethods": {"GET": method("GET")}},
        {"id": "gr", "parentId": "root1", "pathPart": "{proxy+}", "path": "/{proxy+}",
         "resourceMethods": {"ANY": method("ANY")}}]
    summary = rest_api(doc)["Deployments"][0]["apiSummary"]
    summary["/pets/mine"], summary["/{proxy+}"] = {"GET": {}}, {"ANY": {}}
    code, out = explain(tmp_path, capsys, doc, "GET", "/prod/pets/mine")
    resources = {r["path"]: r for r in out["steps"]["route"]["resources"]}
    assert code == 0 and resources["/pets/mine"]["won"]
    assert resources["/pets/{id}"]["reason"] == "at segment 2 the literal `mine` beats `{id}`"
    assert "{proxy+}" in resources["/{proxy+}"]["reason"]
    _, out = explain(tmp_path, capsys, doc, "GET", "/prod/toys/1/2")
    assert out["steps"]["route"]["chosen"] == "ANY /{proxy+}"
    assert out["verdict"]["event"]["path_parameters"] == {"proxy": "toys/1/2"}
