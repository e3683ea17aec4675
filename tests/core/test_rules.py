"""Every rule: fires on a minimal broken case, stays silent on the correct one."""

import json

import pytest

from auditor.engine import all_rules
from tests.core.conftest import ACCOUNT, API_ID, FUNCTION_ARN, REGION, findings_of, ids

SOURCE = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/*"


def test_every_builtin_rule_is_silent_on_the_seed_except_hygiene_notes(seed, audit):
    _, report = audit(seed.doc)
    silent = {r.id for r in all_rules()} - {"AGW304", "AGW305"}
    assert not silent & set(ids(report))


# AGW000 ---------------------------------------------------------------------------------------

def test_agw000_reports_collection_errors(seed, audit):
    seed.scope["Errors"] = [{"Operation": "GetPolicy", "Resource": FUNCTION_ARN, "Code": "AccessDeniedException",
                             "Message": "not authorized"}]
    code, report = audit(seed.doc)
    (finding,) = findings_of(report, "AGW000")
    assert finding["severity"] == "medium" and "GetPolicy" in finding["message"]
    assert code == 1


def test_agw000_notes_function_outside_the_snapshot(seed, audit):
    seed.scope["Functions"] = []
    seed.scope["Complete"] = False
    code, report = audit(seed.doc)
    (finding,) = findings_of(report, "AGW000")
    assert finding["severity"] == "info" and "not in the snapshot" in finding["message"]
    assert "AGW201" not in ids(report) and "AGW114" not in ids(report)
    assert code == 0


def test_agw000_notes_stage_variable_function(seed, audit):
    seed.integration["IntegrationUri"] = "arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}"
    _, report = audit(seed.doc)
    assert [f["severity"] for f in findings_of(report, "AGW000")] == ["info"]
    assert "AGW113" not in ids(report)


# AGW10x ---------------------------------------------------------------------------------------

def test_agw101_silent_with_prefix_fires_without(seed, audit):
    assert not findings_of(audit(seed.doc)[1], "AGW101")
    seed.route("GET /items")["Target"] = "nonsense"
    (finding,) = findings_of(audit(seed.doc)[1], "AGW101")
    assert "not an integration id" in finding["message"]


def test_agw102_unknown_integration(seed, audit):
    seed.route("GET /items")["Target"] = "integrations/nope00"
    (finding,) = findings_of(audit(seed.doc)[1], "AGW102")
    assert "has no integration nope00" in finding["message"]


def test_agw103_route_without_target(seed, audit):
    del seed.route("GET /items")["Target"]
    (finding,) = findings_of(audit(seed.doc)[1], "AGW103")
    assert finding["resource"]["route_key"] == "GET /items"
    assert "--target integrations/a1b2c3" in finding["remediation"]


@pytest.mark.parametrize("key, fixed", [
    ("get /items", "GET /items"),
    ("GET items", "GET /items"),
    ("GET /items/", "GET /items"),
    ("GET /{proxy+}/x", None),
    ("FETCH /items", None),
    ("GET /a//b", "GET /a/b"),
    ("GET /items/{id", None),
])
def test_agw104_invalid_route_keys(seed, audit, key, fixed):
    seed.route("GET /items")["RouteKey"] = key
    (finding,) = findings_of(audit(seed.doc)[1], "AGW104")
    assert finding["resource"]["route_key"] == key
    if fixed:
        assert f"--route-key '{fixed}'" in finding["remediation"]


@pytest.mark.parametrize("key", ["$default", "GET /", "ANY /{proxy+}", "GET /items/{id}/tags/{tag+}", "OPTIONS /a.b-c_d"])
def test_agw104_valid_route_keys(seed, audit, key):
    seed.route("GET /items")["RouteKey"] = key
    assert not findings_of(audit(seed.doc)[1], "AGW104")


def test_agw105_no_serving_stage(seed, audit):
    seed.api["Stages"][0]["AutoDeploy"] = False
    (finding,) = findings_of(audit(seed.doc)[1], "AGW105")
    assert "404" in finding["message"] and "--auto-deploy" in finding["remediation"]
    seed.api["Stages"][0]["DeploymentId"] = "dep123"
    assert not findings_of(audit(seed.doc)[1], "AGW105")


def test_agw105_no_routes_and_no_stage(seed, audit):
    seed.api["Routes"], seed.api["Stages"] = [], []
    (finding,) = findings_of(audit(seed.doc)[1], "AGW105")
    assert "no routes" in finding["message"] and "no stage" in finding["message"]


def test_agw105_silent_when_stages_were_not_collected(seed, audit):
    del seed.api["Stages"]
    assert not findings_of(audit(seed.doc)[1], "AGW105")


# AGW11x ---------------------------------------------------------------------------------------

def test_agw111_omitted_payload_version(seed, audit):
    del seed.integration["PayloadFormatVersion"]
    (finding,) = findings_of(audit(seed.doc)[1], "AGW111")
    assert "may default to 1.0" in finding["message"]


def test_agw111_ignores_service_integrations(seed, audit):
    seed.api["Integrations"].append({"IntegrationId": "sqs001", "IntegrationType": "AWS_PROXY",
                                     "IntegrationSubtype": "SQS-SendMessage", "PayloadFormatVersion": "1.0",
                                     "CredentialsArn": "arn:aws:iam::123456789012:role/sqs"})
    seed.route("POST /items")["Target"] = "integrations/sqs001"
    code, report = audit(seed.doc)
    assert ids(report, "medium") == [] and code == 0


def test_agw112_lambda_uri_with_http_proxy(seed, audit):
    seed.integration["IntegrationType"] = "HTTP_PROXY"
    (finding,) = findings_of(audit(seed.doc)[1], "AGW112")
    assert "--integration-type AWS_PROXY" in finding["remediation"]


def test_agw113_garbled_function_arn(seed, audit):
    seed.integration["IntegrationUri"] = "arn:aws:lambda:us-east-1:123456789012:my-frontend-app-api"
    (finding,) = findings_of(audit(seed.doc)[1], "AGW113")
    assert "garbled Lambda ARN" in finding["message"]


def test_agw113_accepts_invocation_uri_with_alias(seed, audit):
    seed.integration["IntegrationUri"] = ("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                                         f"{FUNCTION_ARN}/invocations")
    code, report = audit(seed.doc)
    assert ids(report, "medium") == [] and code == 0


def test_agw114_function_missing_in_complete_scope(seed, audit):
    seed.integration["IntegrationUri"] = FUNCTION_ARN.replace("my-frontend-app-api", "gone")
    (finding,) = findings_of(audit(seed.doc)[1], "AGW114")
    assert "does not exist" in finding["message"]
    seed.scope["Complete"] = False
    _, report = audit(seed.doc)
    assert not findings_of(report, "AGW114") and findings_of(report, "AGW000")


def test_agw114_missing_alias(seed, audit):
    seed.function["Aliases"] = [{"Name": "live", "AliasArn": FUNCTION_ARN + ":live", "FunctionVersion": "1"}]
    seed.integration["IntegrationUri"] = FUNCTION_ARN + ":staging"
    (finding,) = findings_of(audit(seed.doc)[1], "AGW114")
    assert "staging" in finding["message"]


@pytest.mark.parametrize("timeout", [49, 30001])
def test_agw115_out_of_range(seed, audit, timeout):
    seed.integration["TimeoutInMillis"] = timeout
    (finding,) = findings_of(audit(seed.doc)[1], "AGW115")
    assert str(timeout) in finding["message"]


def test_agw115_function_outlives_integration(seed, audit):
    seed.integration["TimeoutInMillis"] = 5000
    seed.function["Timeout"] = 10
    (finding,) = findings_of(audit(seed.doc)[1], "AGW115")
    assert "--timeout-in-millis 10000" in finding["remediation"]  # the integration waits: the function is kept
    seed.function["Timeout"] = 5
    assert not findings_of(audit(seed.doc)[1], "AGW115")


# AGW20x ---------------------------------------------------------------------------------------

def test_agw201_credentials_arn_needs_no_permission(seed, audit):
    del seed.function["Policy"]
    seed.integration["CredentialsArn"] = "arn:aws:iam::123456789012:role/apigw-invoke"
    assert not findings_of(audit(seed.doc)[1], "AGW201")


def test_agw201_other_principal_does_not_count(seed, audit):
    seed.set_statements([seed.grant(SOURCE, principal={"Service": "events.amazonaws.com"})])
    assert findings_of(audit(seed.doc)[1], "AGW201")


def test_agw201_deny_wins(seed, audit):
    deny = dict(seed.grant(SOURCE, sid="deny"), Effect="Deny")
    seed.set_statements([seed.grant(SOURCE), deny])
    assert findings_of(audit(seed.doc)[1], "AGW203")


@pytest.mark.parametrize("source_arn", [
    f"arn:aws:execute-api:{REGION}:{ACCOUNT}:otherapi01/*",
    f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:{API_ID}/*",
    f"arn:aws:execute-api:{REGION}:210987654321:{API_ID}/*",
])
def test_agw202_permission_for_another_api_account_or_region(seed, audit, source_arn):
    seed.set_statements([seed.grant(source_arn)])
    code, report = audit(seed.doc)
    (finding,) = findings_of(report, "AGW202")
    assert source_arn in finding["message"] and code == 1
    assert "AGW201" not in ids(report)


def test_agw203_any_route_with_single_method_grant_is_a_likelihood(seed, audit):
    seed.route("GET /items")["RouteKey"] = "ANY /things"
    seed.set_statements([seed.grant(SOURCE.replace("/*", "/*/GET/things")),
                         seed.grant(SOURCE.replace("/*", "/*/*/items*"), sid="rest"),
                         seed.grant(SOURCE.replace("/*", "/*/$default"), sid="default")])
    (finding,) = findings_of(audit(seed.doc)[1], "AGW203")
    assert finding["resource"]["route_key"] == "ANY /things" and "probably" in finding["message"]


def test_agw203_sam_style_grants_cover_every_route(seed, audit):
    seed.set_statements([seed.grant(SOURCE.replace("/*", "/*/GET/items"), sid="a"),
                         seed.grant(SOURCE.replace("/*", "/*/POST/items"), sid="b"),
                         seed.grant(SOURCE.replace("/*", "/*/GET/items/*"), sid="c"),
                         seed.grant(SOURCE.replace("/*", "/*/*"), sid="d")])
    code, report = audit(seed.doc)
    assert ids(report, "medium") == [] and code == 0


def test_agw203_named_stage_arn(seed, audit):
    seed.api["Stages"] = [{"StageName": "prod", "AutoDeploy": True}]
    seed.set_statements([seed.grant(SOURCE.replace("/*", "/$default/*"))])
    findings = findings_of(audit(seed.doc)[1], "AGW203")
    assert findings and all("/prod/" in f["message"] for f in findings)


def test_agw204_permission_on_unqualified_but_alias_invoked(seed, audit):
    seed.function["Aliases"] = [{"Name": "live", "AliasArn": FUNCTION_ARN + ":live", "FunctionVersion": "1"}]
    seed.integration["IntegrationUri"] = FUNCTION_ARN + ":live"
    code, report = audit(seed.doc)
    (finding,) = findings_of(report, "AGW204")
    assert "--qualifier live" in finding["remediation"] and code == 1
    seed.set_statements([seed.grant(SOURCE, resource=FUNCTION_ARN + ":live")])
    assert not findings_of(audit(seed.doc)[1], "AGW204")


def test_agw204_alias_policy_does_not_cover_unqualified(seed, audit):
    seed.set_statements([seed.grant(SOURCE, resource=FUNCTION_ARN + ":live")])
    assert findings_of(audit(seed.doc)[1], "AGW204")


def _with_authorizer(seed, policy_statements):
    auth_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:authz"
    seed.api["Authorizers"] = [{"AuthorizerId": "au1234", "Name": "lambda-authz", "AuthorizerType": "REQUEST",
                                "AuthorizerUri": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                                                 f"{auth_arn}/invocations"}]
    seed.scope["Functions"].append({"FunctionName": "authz", "FunctionArn": auth_arn, "Timeout": 3,
                                    "Policy": json.dumps({"Statement": policy_statements(auth_arn)})})
    for route in seed.api["Routes"]:  # AGW205 speaks only of authorizers a route uses
        route.update(AuthorizationType="CUSTOM", AuthorizerId="au1234")


def test_agw205_authorizer_without_permission(seed, audit):
    _with_authorizer(seed, lambda arn: [])
    (finding,) = findings_of(audit(seed.doc)[1], "AGW205")
    assert f"{API_ID}/authorizers/au1234" in finding["remediation"]


def test_agw205_silent_with_authorizer_permission(seed, audit):
    _with_authorizer(seed, lambda arn: [{"Sid": "a", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                                         "Action": "lambda:InvokeFunction", "Resource": arn,
                                         "Condition": {"ArnLike": {"aws:SourceArn": f"{SOURCE[:-2]}/authorizers/*"}}}])
    assert not findings_of(audit(seed.doc)[1], "AGW205")


# AGW30x ---------------------------------------------------------------------------------------

def test_agw301_no_source_arn_high_then_medium_with_account(seed, audit):
    seed.set_statements([seed.grant(None)])
    (finding,) = findings_of(audit(seed.doc)[1], "AGW301")
    assert finding["severity"] == "high"
    assert SOURCE in finding["remediation"] and "remove-permission" in finding["remediation"]
    seed.set_statements([seed.grant(condition={"StringEquals": {"AWS:SourceAccount": ACCOUNT}})])
    (finding,) = findings_of(audit(seed.doc)[1], "AGW301")
    assert finding["severity"] == "medium"


@pytest.mark.parametrize("pattern", [
    f"arn:aws:execute-api:*:{ACCOUNT}:{API_ID}/*",
    f"arn:aws:execute-api:{REGION}:*:{API_ID}/*",
    f"arn:aws:execute-api:{REGION}:{ACCOUNT}:*/*",
    f"arn:aws:execute-api:{REGION}:{ACCOUNT}:abc123de??/*",
])
def test_agw302_wildcards_in_region_account_or_api(seed, audit, pattern):
    seed.set_statements([seed.grant(pattern)])
    (finding,) = findings_of(audit(seed.doc)[1], "AGW302")
    assert pattern in finding["message"]


def test_agw303_public_function(seed, audit):
    seed.set_statements([seed.grant(None, principal="*"), seed.grant(SOURCE, sid="ok")])
    code, report = audit(seed.doc)
    (finding,) = findings_of(report, "AGW303")
    assert finding["severity"] == "critical" and code == 1
    seed.set_statements([seed.grant(SOURCE, principal={"AWS": "*"})])
    assert not findings_of(audit(seed.doc)[1], "AGW303")


def test_agw304_and_agw305_quiet_when_configured(seed, audit):
    for route in seed.api["Routes"]:
        route.update(AuthorizationType="JWT", AuthorizerId="jwt001")
    seed.api["Stages"][0]["AccessLogSettings"] = {"DestinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:x",
                                                  "Format": "$context.requestId"}
    _, report = audit(seed.doc)
    assert ids(report) == []


# AGW40x ---------------------------------------------------------------------------------------

def test_agw401_unused_integration(seed, audit):
    seed.api["Integrations"].append(dict(seed.integration, IntegrationId="spare1"))
    (finding,) = findings_of(audit(seed.doc)[1], "AGW401")
    assert finding["resource"]["integration_id"] == "spare1"


def test_agw402_stale_permission_only_in_complete_scope(seed, audit):
    seed.set_statements([seed.grant(SOURCE), seed.grant(SOURCE.replace(API_ID, "gone000000"), sid="old")])
    (finding,) = findings_of(audit(seed.doc)[1], "AGW402")
    assert finding["resource"]["statement_id"] == "old"
    seed.scope["Complete"] = False
    assert not findings_of(audit(seed.doc)[1], "AGW402")


def test_websocket_api_is_judged_and_an_unknown_type_skipped(seed, audit):
    seed.scope["Apis"].append({"ApiId": "ws00000001", "Name": "chat", "ProtocolType": "WEBSOCKET",
                               "Routes": [{"RouteKey": "$connect", "Target": "bad"}], "Integrations": [], "Stages": []})
    seed.scope["Apis"].append({"ApiId": "xx00000001", "Name": "new", "ProtocolType": "SOMETHING_NEW",
                               "Routes": [{"RouteKey": "$connect", "Target": "bad"}], "Integrations": [], "Stages": []})
    code, report = audit(seed.doc)
    assert [s["api_id"] for s in report["summary"]["skipped_apis"]] == ["xx00000001"]
    assert not [f for f in report["findings"] if f["resource"].get("api_id") == "xx00000001"]
    assert {f["rule_id"] for f in report["findings"] if f["resource"].get("api_id") == "ws00000001"} >= {"AGW101"}
    assert code == 1


def test_agw104_white_space_in_a_path_is_invalid(seed, audit):
    seed.route("GET /items")["RouteKey"] = "GET /items\nx"
    (finding,) = findings_of(audit(seed.doc)[1], "AGW104")
    assert "white space" in finding["message"]


def test_agw301_fix_with_no_known_api_cannot_run_as_pasted(seed, audit):
    seed.integration["IntegrationUri"] = FUNCTION_ARN.replace("my-frontend-app-api", "other")
    seed.scope["Complete"] = False
    seed.set_statements([seed.grant(None)])
    (finding,) = findings_of(audit(seed.doc)[1], "AGW301")
    assert finding["remediation"].startswith("# AGW301 ")  # a choice for a person, listed: nothing runs as pasted
    assert "#   - remove it: aws lambda remove-permission" in finding["remediation"]
    assert "<api-id>" not in finding["remediation"]
