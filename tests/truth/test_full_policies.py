"""Full Lambda resource policies (PutResourcePolicy, AWS::Lambda::ResourcePolicy), evaluated as IAM does
against the request context of API Gateway's own call (issue 22, item 1).

Each test changes the seed's correct policy in one way and checks what `audit` and `explain` say.
"""

import json
import textwrap

import pytest

from tests.seed import ACCOUNT, API_ARN, FUNCTION_ARN, REGION, grant

ALL_API = API_ARN + "/*"
PERMISSION_RULES = {"AGW201", "AGW202", "AGW203", "AGW204"}


def ids(report, at_least=None):
    order = ["info", "low", "medium", "high", "critical"]
    return {f["rule_id"] for f in report["findings"]
            if at_least is None or order.index(f["severity"]) >= order.index(at_least)}


def of(report, rule_id):
    return [f for f in report["findings"] if f["rule_id"] == rule_id]


def deny_all(condition, principal="*"):
    return {"Sid": "perimeter", "Effect": "Deny", "Principal": principal, "Action": "lambda:InvokeFunction",
            "Resource": FUNCTION_ARN, "Condition": condition}


# --------------------------------------------------------------------------- keys API Gateway's call lacks

def test_an_allow_that_also_requires_a_source_ip_is_not_a_grant(seed, audit):
    """aws:SourceIp is absent from a service principal's call: IpAddress fails, the grant never applies."""
    seed.set_statements([grant(condition={"ArnLike": {"AWS:SourceArn": ALL_API},
                                          "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})])
    assert "AGW201" in ids(audit(seed.doc), "high")


@pytest.mark.parametrize("condition", [
    {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "203.0.113.0/24"]}},
    {"StringNotEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}},
    {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}},
    {"NotIpAddressIfExists": {"aws:SourceIp": "192.0.2.0/24"}},  # IfExists: true on an absent key
])
def test_a_deny_for_callers_outside_a_network_blocks_api_gateway(seed, audit, condition):
    """A negated operator on a key the request lacks is true: the Deny applies to API Gateway on every route."""
    seed.set_statements(seed.statements() + [deny_all(condition)])
    report = audit(seed.doc)
    assert len(of(report, "AGW203")) == 4
    assert "perimeter" in of(report, "AGW203")[0]["message"]


@pytest.mark.parametrize("condition", [
    {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}},
    {"Null": {"aws:SourceVpc": "false"}},
    {"Bool": {"aws:PrincipalIsAWSService": "false"}},
    {"StringNotEquals": {"aws:PrincipalServiceName": "apigateway.amazonaws.com"}},
])
def test_a_deny_api_gateway_never_meets_changes_nothing(seed, audit, condition):
    seed.set_statements(seed.statements() + [deny_all(condition)])
    assert not ids(audit(seed.doc)) & PERMISSION_RULES


@pytest.mark.parametrize("condition, grants", [
    ({"StringEquals": {"aws:PrincipalServiceName": "apigateway.amazonaws.com"}}, True),
    ({"StringEquals": {"aws:PrincipalServiceName": "events.amazonaws.com"}}, False),
    ({"ForAnyValue:StringEquals": {"aws:PrincipalServiceNamesList": "apigateway.amazonaws.com"}}, True),
    ({"Null": {"aws:SourceIp": "true"}}, True),
    ({"Null": {"aws:SourceArn": "true"}}, False),
    ({"DateGreaterThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}}, True),
    ({"DateLessThan": {"aws:CurrentTime": "2001-01-01T00:00:00Z"}}, False),
    ({"NumericGreaterThan": {"aws:EpochTime": "946684800"}}, True),
    ({"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1a2b3c4d"}}, True),
    ({"ForAnyValue:StringEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"}}, False),
    ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, False),
])
def test_condition_operators_on_keys_of_api_gateways_call(seed, audit, condition, grants):
    seed.set_statements([grant(condition={"ArnLike": {"AWS:SourceArn": ALL_API}, **condition})])
    assert ("AGW201" in ids(audit(seed.doc), "high")) is not grants


def test_an_allow_on_a_key_not_modelled_still_counts_as_a_grant(seed, audit):
    """aws:PrincipalArn is not modelled for a service principal: no false "permission missing"."""
    seed.set_statements([grant(condition={"ArnLike": {"AWS:SourceArn": ALL_API,
                                                      "aws:PrincipalArn": "arn:aws:iam::123456789012:role/x"}})])
    assert not ids(audit(seed.doc)) & PERMISSION_RULES


# --------------------------------------------------------------------------- Not* elements

def test_an_allow_with_not_action_that_spares_invoke_grants_it(seed, audit):
    statement = grant(ALL_API)
    del statement["Action"]
    statement["NotAction"] = ["lambda:DeleteFunction", "lambda:UpdateFunctionCode"]
    seed.set_statements([statement])
    assert not ids(audit(seed.doc)) & PERMISSION_RULES


def test_an_allow_with_not_action_listing_invoke_does_not_grant_it(seed, audit):
    statement = grant(ALL_API)
    del statement["Action"]
    statement["NotAction"] = "lambda:Invoke*"
    seed.set_statements([statement])
    assert "AGW201" in ids(audit(seed.doc), "high")


def test_a_deny_with_not_resource_naming_another_function_applies_here(seed, audit):
    deny = deny_all({"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123def4"}})
    del deny["Resource"]
    deny["NotResource"] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:other"
    seed.set_statements(seed.statements() + [deny])
    assert len(of(audit(seed.doc), "AGW203")) == 4


def test_a_deny_with_not_resource_naming_this_function_spares_it(seed, audit):
    deny = deny_all({"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123def4"}})
    del deny["Resource"]
    deny["NotResource"] = FUNCTION_ARN
    seed.set_statements(seed.statements() + [deny])
    assert not ids(audit(seed.doc)) & PERMISSION_RULES


# --------------------------------------------------------------------------- explain predicts it

def test_explain_names_the_deny_and_why_it_applies(seed, explain):
    seed.set_statements(seed.statements() + [deny_all({"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}})])
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 1 and doc["verdict"]["status"] == 500
    deny = next(s for s in doc["steps"]["permission"]["statements"] if s["sid"] == "perimeter")
    assert deny["verdict"] == "denies"
    [check] = [c for c in deny["checks"] if c["check"] == "conditions"]
    assert check["ok"] and "aws:SourceIp is absent from API Gateway's call" in check["detail"]


def test_explain_says_why_a_source_ip_allow_never_applies(seed, explain):
    seed.set_statements([grant(condition={"ArnLike": {"AWS:SourceArn": ALL_API},
                                          "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})])
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 1 and doc["verdict"]["status"] == 500
    (statement,) = doc["steps"]["permission"]["statements"]
    [check] = [c for c in statement["checks"] if c["check"] == "conditions"]
    assert not check["ok"] and "IpAddress aws:SourceIp 203.0.113.0/24: fails" in check["detail"]


# --------------------------------------------------------------------------- templates

TEMPLATE = textwrap.dedent("""\
    AWSTemplateFormatVersion: '2010-09-09'
    Resources:
      Api:
        Type: AWS::ApiGatewayV2::Api
        Properties: {Name: shop, ProtocolType: HTTP}
      Fn:
        Type: AWS::Lambda::Function
        Properties:
          Runtime: python3.12
          Handler: app.handler
          Role: arn:aws:iam::123456789012:role/fn
          Code: {ZipFile: "def handler(e, c): return 1"}
      Integration:
        Type: AWS::ApiGatewayV2::Integration
        Properties:
          ApiId: !Ref Api
          IntegrationType: AWS_PROXY
          IntegrationUri: !GetAtt Fn.Arn
          PayloadFormatVersion: '2.0'
      Route:
        Type: AWS::ApiGatewayV2::Route
        Properties: {ApiId: !Ref Api, RouteKey: GET /items, Target: !Sub 'integrations/${Integration}'}
      Stage:
        Type: AWS::ApiGatewayV2::Stage
        Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true}
      Policy:
        Type: AWS::Lambda::ResourcePolicy
        Properties:
          ResourceArn: !GetAtt Fn.Arn
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Sid: api
                Effect: Allow
                Principal: {Service: apigateway.amazonaws.com}
                Action: lambda:InvokeFunction
                Resource: !GetAtt Fn.Arn
                Condition:
                  ArnLike: {AWS:SourceArn: !Sub 'arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*'}
    """)


def test_a_cloudformation_resource_policy_grants_like_a_permission(tmp_path, audit):
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    assert not ids(audit(str(path))) & PERMISSION_RULES


def test_a_cloudformation_resource_policy_deny_is_found_on_its_line(tmp_path, audit):
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE + textwrap.indent(textwrap.dedent("""\
          - Sid: outside-vpc
            Effect: Deny
            Principal: '*'
            Action: lambda:InvokeFunction
            Resource: !GetAtt Fn.Arn
            Condition: {StringNotEquals: {aws:SourceVpc: vpc-1a2b3c4d}}
        """), " " * 10))
    [finding] = of(audit(str(path)), "AGW203")
    assert "outside-vpc" in finding["message"] and "GET /items" in finding["message"]


def test_without_the_resource_policy_the_permission_is_missing(tmp_path, audit):
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE.split("  Policy:")[0])
    assert "AGW201" in ids(audit(str(path)), "high")


def test_terraform_resource_policy_is_read_and_its_vpc_deny_blocks_every_route(tmp_path, audit):
    from pathlib import Path
    import shutil
    folder = tmp_path / "tf"
    shutil.copytree(Path(__file__).parent / "fixtures" / "tf-resource-policy", folder)
    report = audit(str(folder))
    assert len(of(report, "AGW203")) == 4 and "AGW201" not in ids(report)
    main_tf = folder / "main.tf"
    text = main_tf.read_text()
    main_tf.write_text(text[:text.index("      {\n        Sid       = \"outside-vpc\"")].rstrip().rstrip(",") + "\n    ]\n  })\n}\n")
    assert not ids(audit(str(folder))) & PERMISSION_RULES


def test_explain_is_probable_when_the_grant_rests_on_a_condition_not_modelled(seed, explain):
    seed.set_statements([grant(condition={"ArnLike": {"AWS:SourceArn": ALL_API},
                                          "Bool": {"aws:SecureTransport": "true"}})])
    code, doc = explain(seed.doc, "GET", "/items")
    assert code == 0 and doc["verdict"]["certain"] is False
    assert any("aws:SecureTransport" in w["message"] for w in doc["verdict"]["warnings"])
