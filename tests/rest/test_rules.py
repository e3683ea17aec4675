"""Each rule on REST APIs fires on the broken case, at the right method, and stays silent on the correct one."""

import json

import pytest

from tests.rest.conftest import found
from tests.rest.estate import AUTH_FN, FN, arn, fresh, grant, policy, resource, rest_api, scope, uri


def test_the_correct_rest_api_audits_clean(audit):
    code, report = audit(fresh())
    assert code == 0 and report["findings"] == []
    assert report["summary"]["apis"] == 1


def test_missing_permission_is_one_agw201_naming_every_method(audit):
    doc = fresh()
    policy(doc)["Statement"] = []
    code, report = audit(doc)
    [finding] = found(report, "AGW201")
    assert code == 1 and finding["severity"] == "high"
    assert "GET /pets, POST /pets, ANY /pets/{id}" in finding["message"]
    assert '500 {"message": "Internal server error"}' in finding["message"]
    assert "--source-arn 'arn:aws:execute-api:us-east-1:123456789012:r3st000001/*'" in finding["remediation"]


def test_permission_for_another_api_is_agw202(audit):
    doc = fresh()
    policy(doc)["Statement"] = [grant("other", "arn:aws:execute-api:us-east-1:123456789012:other00001/*")]
    _, report = audit(doc)
    assert found(report, "AGW202") and not found(report, "AGW201")


def test_narrow_permission_leaves_methods_uncovered_agw203(audit):
    doc = fresh()
    policy(doc)["Statement"] = [grant("a", arn("/*/GET/pets")), grant("b", arn("/*/GET/"))]
    _, report = audit(doc)
    where = {f["resource"]["route_key"]: f for f in found(report, "AGW203")}
    assert set(where) == {"POST /pets", "ANY /pets/{id}"}
    assert "r3st000001/prod/POST/pets" in where["POST /pets"]["message"]
    assert where["POST /pets"]["location"]["path"].endswith("Resources[1].resourceMethods.POST")
    assert "r3st000001/*/*/pets/*" in where["ANY /pets/{id}"]["remediation"]


@pytest.mark.parametrize("source_arn", [
    "/*/*/pets/{id}",  # the template only: the value reading is not covered
    "/*/GET/pets/*",  # one verb of ANY
])
def test_partial_coverage_of_readings_is_probably(audit, source_arn):
    doc = fresh()
    policy(doc)["Statement"] = [grant("a", arn("/*/GET/*")), grant("b", arn("/*/POST/pets")), grant("c", arn(source_arn))]
    _, report = audit(doc)
    [finding] = found(report, "AGW203")
    assert finding["resource"]["route_key"] == "ANY /pets/{id}" and "probably" in finding["message"]


def test_wildcards_covering_every_reading_are_certain(audit):
    doc = fresh()
    policy(doc)["Statement"] = [grant("a", arn("/*/*/pets/*")), grant("b", arn("/prod/*/pets")), grant("c", arn("/*/GET/"))]
    code, report = audit(doc)
    assert code == 0 and not found(report, "AGW203")


def test_permission_on_another_qualifier_is_agw204(audit):
    doc = fresh()
    for r in rest_api(doc)["Resources"]:
        for m in r["resourceMethods"].values():
            m["methodIntegration"]["uri"] = uri(FN + ":live")
    scope(doc)["Functions"][0]["Aliases"] = [{"Name": "live", "AliasArn": FN + ":live"}]
    _, report = audit(doc)
    assert found(report, "AGW204")


def _authorizer(doc, policy_arn=None, type_="TOKEN"):
    rest_api(doc)["Authorizers"] = [{"id": "auth01", "name": "tok", "type": type_, "authorizerUri": uri(AUTH_FN),
                                     "identitySource": "method.request.header.Authorization"}]
    m = resource(doc, "/pets")["resourceMethods"]["POST"]
    m.update(authorizationType="CUSTOM", authorizerId="auth01")
    if policy_arn is not None:
        policy(doc, "auth")["Statement"] = [grant("auth", policy_arn, AUTH_FN)]


def test_token_authorizer_without_permission_is_agw205(audit):
    doc = fresh()
    _authorizer(doc, arn("/authorizers/someother"))
    _, report = audit(doc)
    [finding] = found(report, "AGW205")
    assert "POST /pets" in finding["message"] and "r3st000001/authorizers/auth01" in finding["message"]
    doc = fresh()
    _authorizer(doc)
    code, report = audit(doc)
    assert code == 0 and not found(report, "AGW205")


def test_credentials_role_not_assumable_is_agw210(audit):
    doc = fresh()
    role = "arn:aws:iam::123456789012:role/lambda-only"
    resource(doc, "/pets")["resourceMethods"]["GET"]["methodIntegration"]["credentials"] = role
    scope(doc)["Roles"] = [{"RoleName": "lambda-only", "Arn": role, "AssumeRolePolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}}]
    _, report = audit(doc)
    [finding] = found(report, "AGW210")
    assert "GET /pets" in finding["message"] and "Internal server error" in finding["message"]


def test_bare_function_arn_and_garbled_uri_are_agw113(audit):
    doc = fresh()
    resource(doc, "/pets")["resourceMethods"]["GET"]["methodIntegration"]["uri"] = FN
    resource(doc, "/pets")["resourceMethods"]["POST"]["methodIntegration"]["uri"] = "arn:aws:lambda:us-east-1:bad"
    _, report = audit(doc)
    where = {f["resource"]["route_key"]: f for f in found(report, "AGW113")}
    assert set(where) == {"GET /pets", "POST /pets"}
    assert "aws apigateway update-integration --rest-api-id r3st000001 --resource-id res1 --http-method GET" \
        in where["GET /pets"]["remediation"]
    assert "create-deployment" in where["GET /pets"]["remediation"]


def test_missing_function_is_agw114(audit):
    doc = fresh()
    resource(doc, "/pets")["resourceMethods"]["GET"]["methodIntegration"]["uri"] = uri(FN.replace("pets", "gone"))
    _, report = audit(doc)
    [finding] = found(report, "AGW114")
    assert finding["resource"]["route_key"] == "GET /pets"


def test_timeouts_agw115(audit):
    doc = fresh()
    resource(doc, "/pets")["resourceMethods"]["GET"]["methodIntegration"]["timeoutInMillis"] = 30000
    resource(doc, "/pets")["resourceMethods"]["POST"]["methodIntegration"]["timeoutInMillis"] = 5000
    _, report = audit(doc)
    where = {f["resource"]["route_key"]: f["message"] for f in found(report, "AGW115")}
    assert "29000" in where["GET /pets"] and "probably" in where["GET /pets"]
    assert "504" in where["POST /pets"]  # the function may run 10 s


def test_lambda_integration_not_post_is_agw120(audit):
    doc = fresh()
    resource(doc, "/pets")["resourceMethods"]["GET"]["methodIntegration"]["httpMethod"] = "GET"
    _, report = audit(doc)
    [finding] = found(report, "AGW120")
    assert finding["resource"]["route_key"] == "GET /pets"
    assert "op=replace,path=/httpMethod,value=POST" in finding["remediation"]


def test_non_proxy_without_default_response_is_agw121(audit):
    doc = fresh()
    integration = resource(doc, "/pets")["resourceMethods"]["GET"]["methodIntegration"]
    integration["type"] = "AWS"
    integration["integrationResponses"] = {"400": {"statusCode": "400", "selectionPattern": ".*Bad.*"}}
    _, report = audit(doc)
    [finding] = found(report, "AGW121")
    assert finding["resource"]["route_key"] == "GET /pets"
    integration["integrationResponses"]["200"] = {"statusCode": "200"}
    _, report = audit(doc)
    assert not found(report, "AGW121")


def test_api_key_without_usage_plan_is_agw122(audit):
    doc = fresh()
    resource(doc, "/pets")["resourceMethods"]["GET"]["apiKeyRequired"] = True
    _, report = audit(doc)
    [finding] = found(report, "AGW122")
    assert finding["resource"]["stage"] == "prod" and '403 {"message":"Forbidden"}' in finding["message"]
    scope(doc)["UsagePlans"] = [{"id": "up1", "name": "p", "apiStages": [{"apiId": "r3st000001", "stage": "prod"}]}]
    assert not found(audit(doc)[1], "AGW122")
    del scope(doc)["UsagePlans"]  # not collected: not judged
    assert not found(audit(doc)[1], "AGW122")


def test_stage_serving_an_old_deployment_is_agw123(audit):
    doc = fresh()
    del rest_api(doc)["Deployments"][0]["apiSummary"]["/pets"]["POST"]
    _, report = audit(doc)
    [finding] = found(report, "AGW123")
    assert "POST /pets" in finding["message"] and "Missing Authentication Token" in finding["message"]
    assert "aws apigateway create-deployment --rest-api-id r3st000001 --stage-name prod" in finding["remediation"]


def test_private_api_without_policy_is_agw220(audit):
    doc = fresh()
    rest_api(doc)["endpointConfiguration"] = {"types": ["PRIVATE"], "vpcEndpointIds": ["vpce-0abc"]}
    _, report = audit(doc)
    [finding] = found(report, "AGW220")
    assert "vpce-0abc" in finding["remediation"]
    rest_api(doc)["policy"] = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":'
                               '"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"StringEquals":'
                               '{"aws:SourceVpce":"vpce-0abc"}}}]}')
    code, report = audit(doc)
    assert code == 0 and not found(report, "AGW220") and not found(report, "AGW221")


ALLOW_ALL = {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
METHODS = ["GET /", "GET /pets", "POST /pets", "ANY /pets/{id}"]


@pytest.mark.parametrize("statements,denied", [
    ([{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/POST/pets"},
      {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}], ["POST /pets"]),
    ([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "execute-api:Invoke",
       "Resource": "execute-api:/*"}], ["GET /", "GET /pets", "POST /pets", "ANY /pets/{id}"]),
    ([{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
       "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}], []),
    # Deny + NotPrincipal: everyone but the role is denied, an anonymous caller included.
    ([ALLOW_ALL, {"Sid": "onlyrole", "Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:role/ops"},
                  "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}], METHODS),
    # Deny + NotPrincipal "*" excludes everyone: it denies no one.
    ([ALLOW_ALL, {"Effect": "Deny", "NotPrincipal": "*", "Action": "execute-api:Invoke",
                  "Resource": "execute-api:/*"}], []),
    # Allow + NotAction naming Invoke allows every action but Invoke: nothing allows the anonymous caller.
    ([{"Effect": "Allow", "Principal": "*", "NotAction": "execute-api:Invoke", "Resource": "execute-api:/*"}], METHODS),
    # Allow + NotAction naming another action covers Invoke.
    ([{"Effect": "Allow", "Principal": "*", "NotAction": "execute-api:InvalidateCache", "Resource": "execute-api:/*"}],
     []),
    # Deny + NotResource: every method but the GET ones is denied (ANY is checked as GET).
    ([ALLOW_ALL, {"Effect": "Deny", "Principal": "*", "Action": "execute-api:*",
                  "NotResource": "execute-api:/*/GET/*"}], ["POST /pets"]),
    # Allow + NotResource: every method but POST is allowed.
    ([{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "NotResource": "execute-api:/*/POST/*"}],
     ["POST /pets"]),
    # A `*` ending an ARN segment extends past the colons (IAM's Resource element): every API is allowed.
    ([{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*"}], []),
    # ... but only that region's APIs when the region is named.
    ([{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:eu-west-1:*"}],
     METHODS),
    # A Deny + NotPrincipal that depends on the caller's VPC endpoint is an intended restriction, not reported.
    ([ALLOW_ALL, {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:role/ops"},
                  "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
                  "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-0abc"}}}], []),
])
def test_resource_policy_refusing_everyone_is_agw221(audit, statements, denied):
    doc = fresh()
    rest_api(doc)["policy"] = {"Version": "2012-10-17", "Statement": statements}
    _, report = audit(doc)
    findings = found(report, "AGW221")
    if not denied:
        assert not findings
        return
    [finding] = findings
    assert all(m in finding["message"] for m in denied)
    assert not any(m in finding["message"].split(" on stage ")[0] for m in METHODS if m not in denied)


def test_stale_permission_naming_a_listed_rest_api_is_not_reported(audit):
    doc = fresh()
    _, report = audit(doc)
    assert not found(report, "AGW402")
    policy(doc)["Statement"].append(grant("gone", "arn:aws:execute-api:us-east-1:123456789012:deleted001/*"))
    [finding] = found(audit(doc)[1], "AGW402")
    assert "Keep it if it is a REST API" not in finding["message"] and "HTTP, WebSocket or REST" in finding["message"]
    del scope(doc)["RestApis"]  # not collected: the old advice
    [finding] = [f for f in found(audit(doc)[1], "AGW402") if f["resource"]["statement_id"] == "gone"]
    assert "Keep it if it is a REST API" in finding["message"]


def test_method_throttled_to_zero_is_agw106(audit):
    doc = fresh()
    rest_api(doc)["Stages"][0]["methodSettings"] = {"*/*": {"throttlingRateLimit": 0},
                                                    "~1pets/GET": {"throttlingRateLimit": 10}}
    _, report = audit(doc)
    where = {f["resource"]["route_key"]: f for f in found(report, "AGW106")}
    assert "GET /pets" not in where and "POST /pets" in where  # the method's own setting overrides */*
    assert "path=/*/*/throttling/rateLimit" in where["POST /pets"]["remediation"]
    rest_api(doc)["Stages"][0]["methodSettings"] = {"~1pets/POST": {"throttlingBurstLimit": 0}}
    [finding] = found(audit(doc)[1], "AGW106")
    assert finding["resource"]["route_key"] == "POST /pets"
    assert "path=/~1pets/POST/throttling/burstLimit" in finding["remediation"]


def test_authorizer_no_method_uses_is_agw403(audit):
    doc = fresh()
    _authorizer(doc)
    resource(doc, "/pets")["resourceMethods"]["POST"].update(authorizationType="NONE")
    [finding] = found(audit(doc)[1], "AGW403")
    assert finding["resource"]["authorizer_id"] == "auth01" and "delete-authorizer --rest-api-id" in finding["remediation"]
    _authorizer(doc)
    assert not found(audit(doc)[1], "AGW403")


def test_an_ignore_tag_on_the_rest_api_suppresses_its_findings(audit):
    doc = fresh()
    policy(doc)["Statement"] = []
    rest_api(doc)["tags"] = {"apigw-auditor:ignore": "AGW201", "apigw-auditor:reason": "retired next sprint"}
    code, report = audit(doc)
    assert code == 0 and not found(report, "AGW201") and report["summary"]["suppressed"] == 1


def test_an_undeployed_rest_api_has_no_method_coverage_to_judge(audit):
    doc = fresh()
    rest_api(doc)["Stages"] = []
    policy(doc)["Statement"] = [grant("a", arn("/prod/GET/pets"))]
    code, report = audit(doc)
    assert code == 0 and not found(report, "AGW203")
    policy(doc)["Statement"] = []
    assert found(audit(doc)[1], "AGW201")  # no permission at all is still said: the first deployment would fail


def test_a_policy_as_aws_returns_it_with_escaped_quotes_is_read(audit):
    doc = fresh()
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
                                                    "Resource": "execute-api:/*"}]}
    rest_api(doc)["policy"] = json.dumps(deny).replace('"', '\\"')
    [finding] = found(audit(doc)[1], "AGW221")
    assert "GET /pets" in finding["message"]


def test_an_authorizer_function_not_in_the_input_is_agw000(audit):
    doc = fresh()
    _authorizer(doc)
    scope(doc)["Complete"] = False
    scope(doc)["Functions"] = [f for f in scope(doc)["Functions"] if f["FunctionName"] != "auth"]
    [finding] = [f for f in found(audit(doc)[1], "AGW000") if f["resource"].get("authorizer_id") == "auth01"]
    assert "not in the snapshot" in finding["message"]
