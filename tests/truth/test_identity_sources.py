"""A Lambda authorizer's identity sources: 401 without calling the authorizer when a request lacks one
(issue 22, item 3)."""

import json

import pytest

from tests.seed import ACCOUNT, API_ARN, REGION, grant

AUTHZ = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:authz"


def with_authorizer(seed, identity):
    """The seed with GET /items behind a working Lambda REQUEST authorizer taking these identity sources."""
    seed.scope["Functions"].append({"FunctionName": "authz", "FunctionArn": AUTHZ, "Timeout": 3, "Policy": json.dumps(
        {"Version": "2012-10-17", "Statement": [grant(f"{API_ARN}/authorizers/au1", resource=AUTHZ)]})})
    seed.api["Authorizers"] = [{"AuthorizerId": "au1", "Name": "lambda-auth", "AuthorizerType": "REQUEST",
                                "AuthorizerPayloadFormatVersion": "2.0", "IdentitySource": identity,
                                "AuthorizerUri": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                                                 f"{AUTHZ}/invocations"}]
    seed.route("GET /items").update({"AuthorizationType": "CUSTOM", "AuthorizerId": "au1"})
    return seed.doc


def of(report, rule_id):
    return [f for f in report["findings"] if f["rule_id"] == rule_id]


def test_a_stage_variable_the_stage_lacks_makes_every_request_401(seed, audit, explain):
    doc = with_authorizer(seed, ["$request.header.Authorization", "$stageVariables.tenant"])
    [finding] = of(audit(doc), "AGW341")
    assert finding["severity"] == "high" and "$stageVariables.tenant" in finding["message"]
    assert "--stage-variables" in finding["remediation"]
    code, out = explain(doc, "GET", "/items")
    assert code == 1 and out["verdict"]["status"] == 401 and out["verdict"]["rule_id"] == "AGW341"


def test_a_defined_stage_variable_is_fine(seed, audit, explain):
    seed.api["Stages"][0]["StageVariables"] = {"tenant": "acme"}
    doc = with_authorizer(seed, ["$stageVariables.tenant"])
    assert not of(audit(doc), "AGW341")
    code, out = explain(doc, "GET", "/items")
    assert code == 0


def test_a_missing_header_source_is_401_before_the_authorizer(seed, explain):
    doc = with_authorizer(seed, ["$request.header.Authorization"])
    code, out = explain(doc, "GET", "/items", "--header", "Accept: application/json")
    assert code == 1 and out["verdict"]["status"] == 401
    assert "$request.header.Authorization" in out["verdict"]["summary"]
    code, out = explain(doc, "GET", "/items", "--header", "authorization: Bearer x")  # header names ignore case
    assert code == 0


def test_without_headers_given_the_header_source_is_a_condition(seed, explain):
    doc = with_authorizer(seed, "$request.header.Authorization")  # OpenAPI's string form
    code, out = explain(doc, "GET", "/items")
    assert code == 0
    assert any("$request.header.Authorization" in c and "401" in c for c in out["verdict"]["conditions"])


@pytest.mark.parametrize("path, reaches", [("/items", False), ("/items?token=", False), ("/items?token=abc", True)])
def test_a_query_string_source(seed, explain, path, reaches):
    doc = with_authorizer(seed, ["$request.querystring.token"])
    code, out = explain(doc, "GET", path)
    assert (code == 0) is reaches
    if not reaches:
        assert out["verdict"]["status"] == 401


def test_a_bad_header_option_is_a_usage_error(seed, cli):
    code, _, err = cli("explain", with_authorizer(seed, ["$request.header.A"]), "GET", "/items", "--header", "nocolon")
    assert code == 2 and "NAME:VALUE" in err
